#!/bin/sh
# Regenerate tests/expected/bacnet/<capture>.ops from tshark (run from the
# source root; captures are read in place from ../shared/pcaps).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
pcaps="$root/../shared/pcaps"
chk="$root/tests/oracle/bacnet_check.py"
mkdir -p "$root/tests/expected/bacnet"
grep -v '^#' "$root/tests/oracle/bacnet.list" | while read -r rel; do
	[ -n "$rel" ] || continue
	stem=$(basename "$rel"); stem=${stem%.*}
	# first occurrence of repeated fields
	# shellcheck disable=SC2046
	tshark -r "$pcaps/$rel" -Y bvlc -T fields -E occurrence=f \
		$(python3 "$chk" --fields) 2>/dev/null |
		python3 "$chk" --gen >"$root/tests/expected/bacnet/$stem.ops"
	# device-object strings of complex acks (only in the tree text)
	tshark -r "$pcaps/$rel" -Y "bacapp.type == 3 && bacapp.objectType == 8" \
		-T json 2>/dev/null |
		python3 "$chk" --gen-strings >>"$root/tests/expected/bacnet/$stem.ops"
	echo "$stem: $(wc -l <"$root/tests/expected/bacnet/$stem.ops") lines"
done
