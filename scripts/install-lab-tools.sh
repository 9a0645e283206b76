#!/bin/sh
# Installs what the network namespace tests and the bench need from the distribution, when running
# as root on Debian or Ubuntu and they are missing: iproute2 (namespaces, veth pairs), nftables
# (packet loss), Corosync (the mixed-ring tests run ringcastd beside Corosync 3.1 nodes) and gcc
# with the libcpg headers (they build a Corosync CPG application, test/lab/cpg-peer.c). Used by
# .ci/run and by `npm run bench`.
set -eu
missing=""
command -v ip >/dev/null 2>&1 || missing="$missing iproute2"
command -v nft >/dev/null 2>&1 || missing="$missing nftables"
command -v corosync >/dev/null 2>&1 || missing="$missing corosync"
[ -e /usr/include/corosync/cpg.h ] || missing="$missing libcpg-dev"
command -v gcc >/dev/null 2>&1 || missing="$missing gcc libc6-dev"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then echo "install-lab-tools: not root, cannot install$missing" >&2; exit 1; fi
if ! command -v apt-get >/dev/null 2>&1; then echo "install-lab-tools: no apt-get: install$missing by hand" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 \
  || { apt-get update >/dev/null && apt-get install -y --no-install-recommends $missing >/dev/null; }
# The distribution starts the Corosync it just installed; the tests start their own in namespaces.
# Only a Corosync installed here and now is stopped: never one the machine already ran.
case "$missing" in
  *corosync*) if command -v systemctl >/dev/null 2>&1; then systemctl disable --now corosync >/dev/null 2>&1 || true; fi ;;
esac
