#!/bin/sh
# Installs what the network namespace tests and the bench need (iproute2 for namespaces and veth
# pairs, nftables for packet loss) from the distribution, when running as root on Debian or Ubuntu
# and they are missing. Used by .ci/run and by `npm run bench`.
set -eu
if command -v ip >/dev/null 2>&1 && command -v nft >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "install-lab-tools: not root, cannot install iproute2 and nftables" >&2; exit 1; fi
if ! command -v apt-get >/dev/null 2>&1; then echo "install-lab-tools: no apt-get: install iproute2 and nftables by hand" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends iproute2 nftables >/dev/null 2>&1 \
  || { apt-get update >/dev/null && apt-get install -y --no-install-recommends iproute2 nftables >/dev/null; }
