#!/bin/sh
# Regenerate tests/expected/<capture>.{conn,modbus,ident} from tshark for every
# capture in tests/oracle/captures.list. The captures are read in place from
# ../shared/pcaps (never copied into the tree).
#   usage: tests/oracle/gen-expected.sh [PCAP_DIR]
# tshark version matters (dissector fixes change counts): record it in the
# commit message. Needs tshark and python3.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=${1:-$root/../shared/pcaps}
out=$root/tests/expected
[ -d "$pcaps" ] || { echo "gen-expected: no capture dir $pcaps" >&2; exit 1; }
mkdir -p "$out"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# -n: no name resolution; no IP reassembly so every fragment is its own
# frame, as in otwatch (which keys non-first fragments by no 5-tuple).
TS="tshark -n -o ip.defragment:FALSE"
grep -v '^[[:space:]]*\(#\|$\)' "$here/captures.list" | while read -r rel; do
	f=$pcaps/$rel
	name=$(basename "$rel"); name=${name%.*}
	[ -f "$f" ] || { echo "gen-expected: missing $f" >&2; exit 1; }
	$TS -r "$f" -T fields -E separator=/t -E occurrence=a -E aggregator=, \
		-e frame.len -e frame.protocols -e ip.src -e ip.dst \
		-e ipv6.src -e ipv6.dst -e tcp.srcport -e tcp.dstport \
		-e udp.srcport -e udp.dstport 2>/dev/null |
		python3 "$here/tshark_norm.py" conn >"$out/$name.conn"
	# TCP reassembly stays on (the default): Modbus ADUs split over
	# segments count once, several ADUs in one segment count each.
	$TS -r "$f" -Y mbtcp -T json --no-duplicate-keys \
		-J "frame ip ipv6 tcp mbtcp modbus" 2>/dev/null >"$tmp"
	python3 "$here/tshark_norm.py" modbus <"$tmp" >"$out/$name.modbus"
	python3 "$here/tshark_norm.py" ident <"$tmp" >"$out/$name.ident"
	# identity is checked only where there is Modbus at all
	[ -s "$out/$name.modbus" ] || rm -f "$out/$name.ident"
	echo "$name: $(wc -l <"$out/$name.conn") conns, $(wc -l <"$out/$name.modbus") modbus ops, $(cat "$out/$name.ident" 2>/dev/null | wc -l) identity facts"
done
