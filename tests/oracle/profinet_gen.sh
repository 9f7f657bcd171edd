#!/bin/sh
# Regenerate tests/expected/profinet/<capture>.ops from tshark (run from the
# source root; captures are read in place from ../shared/pcaps).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
pcaps="$root/../shared/pcaps"
chk="$root/tests/oracle/profinet_check.py"
mkdir -p "$root/tests/expected/profinet"
grep -v '^#' "$root/tests/oracle/profinet.list" | while read -r rel; do
	[ -n "$rel" ] || continue
	stem=$(basename "$rel"); stem=${stem%.*}
	# first occurrence of repeated fields
	# shellcheck disable=SC2046
	tshark -r "$pcaps/$rel" -Y "pn_rt || dcerpc" -T fields -E occurrence=f \
		$(python3 "$chk" --fields) 2>/dev/null |
		python3 "$chk" --gen >"$root/tests/expected/profinet/$stem.ops"
	echo "$stem: $(wc -l <"$root/tests/expected/profinet/$stem.ops") lines"
done
