#!/bin/sh
# Regenerate tests/expected/dnp3/<capture-stem>.ops from tshark for every
# capture in tests/oracle/dnp3.list (read in place from ../shared/pcaps).
#   usage: tests/oracle/dnp3_gen.sh [PCAP_DIR]
# Made with TShark 4.0.17; record the version when regenerating.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=${1:-$root/../shared/pcaps}
out=$root/tests/expected/dnp3
[ -d "$pcaps" ] || { echo "dnp3_gen: no capture dir $pcaps" >&2; exit 1; }
mkdir -p "$out"
grep -v '^[[:space:]]*\(#\|$\)' "$here/dnp3.list" | while read -r rel; do
	f=$pcaps/$rel
	name=$(basename "$rel"); name=${name%.*}
	[ -f "$f" ] || { echo "dnp3_gen: missing $f" >&2; exit 1; }
	# TCP reassembly on (default): an link frame cut by a segment counts once
	tshark -n -r "$f" -Y dnp3 -T json --no-duplicate-keys \
		-J "ip ipv6 tcp udp dnp3" 2>/dev/null |
		python3 "$here/dnp3_check.py" --norm >"$out/$name.ops"
	echo "$name: $(wc -l < "$out/$name.ops") ops"
done
