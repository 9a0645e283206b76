#!/usr/bin/env bash
# Sets up what `npm run bench` needs to measure Corosync beside ringcast: Corosync and its CPG
# client library from the distribution (Debian/Ubuntu: corosync, libcpg-dev), and cpgload, the
# bench's own CPG client (bench/corosync/cpgload.c), built against that library.
#
#   sudo scripts/corosync-setup.sh [OUTPUT_DIR]    (default: bench/corosync)
#
# Installs packages only when corosync or the cpg.h header is missing. Rebuilds cpgload when its
# source is newer than the binary. Prints the binary's path on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$here/bench/corosync}"
if ! command -v corosync >/dev/null || [ ! -e /usr/include/corosync/cpg.h ] || ! command -v gcc >/dev/null; then
  command -v apt-get >/dev/null || { echo "corosync-setup: install corosync, libcpg-dev and gcc with your package manager" >&2; exit 1; }
  echo "corosync-setup: installing corosync, libcpg-dev and gcc from the distribution" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq corosync libcpg-dev gcc iproute2 >/dev/null
fi
# The distribution's service must not hold the port or the IPC names the bench's instances use.
if command -v systemctl >/dev/null && systemctl is-active --quiet corosync 2>/dev/null; then
  echo "corosync-setup: note: a system corosync is running; the bench starts its own in network namespaces" >&2
fi
src="$here/bench/corosync/cpgload.c"
bin="$out/cpgload"
mkdir -p "$out"
if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
  gcc -O2 -Wall -Wextra -std=gnu11 -o "$bin.new" "$src" -lcpg
  mv "$bin.new" "$bin"
fi
echo "$bin"
