#!/bin/sh
# Cost per protocol: `otwatch analyze --bench` (engine in memory, one core)
# on every shared capture of each protocol folder, next to ndpiReader's own
# throughput figure on the same file. Reads ../shared/pcaps in place.
#   usage: bench/per_proto.sh [BUILD_DIR] [SECONDS_PER_FILE]
set -eu
B=${1:-./build}
S=${2:-1}
OTW=$B/otwatch
PCAPS=$(cd "$(dirname "$0")/../.." && pwd)/shared/pcaps
[ -d "$PCAPS" ] || { echo "per_proto: no $PCAPS" >&2; exit 1; }
printf "%-16s %6s %9s %8s %9s %9s\n" protocol files packets ns/pkt "Mpkt/s" "nDPI Mpkt/s"
for dir in "$PCAPS"/*/; do
	proto=$(basename "$dir")
	n=0 pk=0 ns=0 nd=0 ndn=0
	for f in "$dir"*.pcap "$dir"*.pcapng; do
		[ -f "$f" ] || continue
		out=$("$OTW" analyze --bench --seconds "$S" "$f" 2>/dev/null) || continue
		set -- $(printf '%s' "$out" | python3 -c "
import json, sys
d = json.loads(sys.stdin.read().splitlines()[-1])
print(d['file_packets'], d['ns_per_packet'])")
		n=$((n + 1)); pk=$((pk + $1))
		ns=$(python3 -c "print($ns + $1 * $2)")
		if command -v ndpiReader >/dev/null; then
			t=$(ndpiReader -i "$f" 2>/dev/null | sed -n 's/.*nDPI throughput: *\([0-9.]*\) M pps.*/\1/p')
			[ -n "$t" ] && nd=$(python3 -c "print($nd + $1 / max($t, 1e-9))") && ndn=$((ndn + $1))
		fi
	done
	[ "$n" -gt 0 ] || continue
	python3 -c "
pk, ns, nd, ndn = $pk, $ns, $nd, $ndn
print('%-16s %6d %9d %8.0f %9.2f %9s' % ('$proto', $n, pk, ns / pk, 1e3 * pk / ns,
      '%.2f' % (ndn / nd) if nd else '-'))"
done
