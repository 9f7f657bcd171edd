#!/bin/sh
# Regenerate tests/expected/opcua/<capture-stem>.json from tshark for every
# capture in tests/oracle/opcua.list (read in place from ../shared/pcaps).
# Usage: tests/oracle/opcua_gen.sh   (from anywhere; needs tshark, python3)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=$(cd "$root/../shared/pcaps" && pwd)
out="$root/tests/expected/opcua"
mkdir -p "$out"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
grep -v '^[[:space:]]*#' "$here/opcua.list" | while read -r rel; do
	[ -n "$rel" ] || continue
	stem=$(basename "$rel"); stem=${stem%.*}
	# servers off port 4840 (otwatch finds them by its HEL/OPN probe)
	case "$stem" in
	emre-opcua-method-call) port=12001 ;;
	*) port=4840 ;;
	esac
	tshark -r "$pcaps/$rel" -d "tcp.port==$port,opcua" \
		-Y 'opcua && !tcp.analysis.retransmission' \
		-T fields -E separator=/t -E occurrence=a -E aggregator=';' \
		-e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
		-e tcp.srcport -e tcp.dstport \
		-e opcua.transport.type -e opcua.servicenodeid.numeric \
		-e opcua.ServiceResult -e opcua.transport.endpoint \
		-e opcua.ApplicationUri -e opcua.ProductUri -e opcua.loctext.Text \
		>"$tmp" 2>/dev/null
	python3 "$here/opcua_check.py" --norm "$tmp" "$port" >"$out/$stem.json"
	echo "$rel -> tests/expected/opcua/$stem.json"
done
