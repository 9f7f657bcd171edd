#!/bin/sh
# Regenerate tests/expected/iec104/<capture-stem>.ops from tshark for every
# capture in tests/oracle/iec104.list (read in place from ../shared/pcaps).
#   usage: tests/oracle/iec104_gen.sh [PCAP_DIR]
# Made with TShark 4.0.17; record the version when regenerating.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=${1:-$root/../shared/pcaps}
out=$root/tests/expected/iec104
[ -d "$pcaps" ] || { echo "iec104_gen: no capture dir $pcaps" >&2; exit 1; }
mkdir -p "$out"
grep -v '^[[:space:]]*\(#\|$\)' "$here/iec104.list" | while read -r rel; do
	f=$pcaps/$rel
	name=$(basename "$rel"); name=${name%.*}
	[ -f "$f" ] || { echo "iec104_gen: missing $f" >&2; exit 1; }
	# TCP reassembly on (default): an APDU cut by a segment counts once
	tshark -n -r "$f" -Y iec60870_104 -T json --no-duplicate-keys \
		-J "ip ipv6 tcp iec60870_104 iec60870_asdu" 2>/dev/null |
		python3 "$here/iec104_check.py" --norm >"$out/$name.ops"
	echo "$name: $(wc -l < "$out/$name.ops") ops"
done
