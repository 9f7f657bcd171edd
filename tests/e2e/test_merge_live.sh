#!/usr/bin/env bash
# A merge made while otw-baseline runs: within its reload period (2 s) the
# alias's new events are credited to the survivor. evsend's HMI
# (02:00:00:00:00:0a, 10.0.0.10) is merged into its PLC (02:..:01,
# 10.0.0.1); after more batches and an unmerge, the PLC's own record must
# carry 10.0.0.10 (only the live redirect puts it there), the HMI keeps
# its own history, and the audit names the CLI user.
#
# usage: test_merge_live.sh OTW_BASELINE OTWATCH EVSEND
set -euo pipefail
BASELINE=$1 OTWATCH=$2 EVSEND=$3
command -v python3 >/dev/null || { echo "python3 missing: skip"; exit 77; }
tmp=$(mktemp -d /tmp/otw_e2e_merge.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
url="ipc://$tmp/events.ipc"
store=$tmp/store
mkdir "$store"
PLC=mac:02:00:00:00:00:01 HMI=mac:02:00:00:00:00:0a

"$BASELINE" --store "$store" --events "$url" --commit-ms 20 2>"$tmp/log" &
pid=$!
"$EVSEND" "$url" 0 7 0 20 1000 >/dev/null
sleep 0.5
ips() {	# ips KEY: the device's own addresses, space-separated
	"$OTWATCH" devices show "$1" --store "$store" |
		python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["ips"]))'
}
[ "$(ips $PLC)" = "10.0.0.1" ] || { echo "FAIL: PLC before: $(ips $PLC)"; exit 1; }
"$OTWATCH" devices merge $HMI $PLC --store "$store" --user mergetest
sleep 3   # > SYNC_MS: otw-baseline has reloaded the merge
"$EVSEND" "$url" 0 7 20 20 1000 >/dev/null
sleep 0.5
merged=$(ips $PLC)
"$OTWATCH" devices unmerge $HMI --store "$store" --user mergetest
plc=$(ips $PLC) hmi=$(ips $HMI)
kill "$pid"
wait "$pid" || { echo "FAIL: otw-baseline exit $?"; pid=; exit 1; }
pid=
echo "merged: $merged; after unmerge: PLC $plc, HMI $hmi"
[ "$merged" = "10.0.0.1 10.0.0.10" ] || { echo "FAIL: merged view"; exit 1; }
[ "$plc" = "10.0.0.1 10.0.0.10" ] || { echo "FAIL: alias events not credited to the survivor"; exit 1; }
[ "$hmi" = "10.0.0.10" ] || { echo "FAIL: alias lost its history"; exit 1; }
n=$(mdb_dump -p -s audit "$store" 2>/dev/null | grep -c mergetest || true)
command -v mdb_dump >/dev/null && { [ "$n" = 2 ] || { echo "FAIL: audit entries $n"; exit 1; }; }
echo PASS
