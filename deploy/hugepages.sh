#!/bin/sh
# Reserve at least N 2 MiB hugepages and mount hugetlbfs. Idempotent: never
# lowers a reservation other DPDK processes may rely on.
# usage: hugepages.sh [N] [MOUNTPOINT]   (defaults: 512, /dev/hugepages)
set -eu
want=${1:-512}
mnt=${2:-/dev/hugepages}
nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages

[ -w "$nr" ] || { echo "hugepages.sh: $nr not writable (need root)" >&2; exit 1; }
have=$(cat "$nr")
if [ "$have" -lt "$want" ]; then
	echo "$want" > "$nr"
	have=$(cat "$nr")
	if [ "$have" -lt "$want" ]; then
		echo "hugepages.sh: only $have of $want pages reserved (fragmented memory?)" >&2
		exit 1
	fi
fi
if ! awk -v m="$mnt" '$2 == m && $3 == "hugetlbfs" { f = 1 } END { exit !f }' /proc/mounts; then
	mkdir -p "$mnt"
	mount -t hugetlbfs -o pagesize=2M nodev "$mnt"
fi
echo "hugepages.sh: nr_hugepages=$have mount=$mnt"
