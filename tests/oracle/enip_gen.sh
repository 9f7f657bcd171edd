#!/bin/sh
# Regenerate tests/expected/enip/<capture-stem>.json from tshark for every
# capture in tests/oracle/enip.list (read in place from ../shared/pcaps).
# Usage: tests/oracle/enip_gen.sh   (from anywhere; needs tshark, python3)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=$(cd "$root/../shared/pcaps" && pwd)
out="$root/tests/expected/enip"
mkdir -p "$out"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
grep -v '^[[:space:]]*#' "$here/enip.list" | while read -r rel; do
	[ -n "$rel" ] || continue
	stem=$(basename "$rel"); stem=${stem%.*}
	# retransmitted segments are not dissected twice by otwatch
	tshark -r "$pcaps/$rel" -Y 'enip && !tcp.analysis.retransmission' \
		-T fields -E separator=/t -E occurrence=a -E aggregator=, \
		-e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
		-e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport \
		-e enip.command -e enip.length -e enip.status \
		-e cip.sc -e cip.rr -e cip.genstat -e cip.class \
		-e enip.cpf.sai.connid \
		-e enip.lir.vendor -e enip.lir.prodcode -e enip.lir.revision \
		-e enip.lir.serial -e enip.lir.name \
		>"$tmp" 2>/dev/null
	python3 "$here/enip_check.py" --norm "$tmp" >"$out/$stem.json"
	echo "$rel -> tests/expected/enip/$stem.json"
done
