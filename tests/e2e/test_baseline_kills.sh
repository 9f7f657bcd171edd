#!/usr/bin/env bash
# Property test of otw-baseline's crash model: ROUNDS rounds, each feeding N
# numbered batches and killing the process (SIGKILL) at a random moment,
# then restarting it on the same store; a last round ends with SIGTERM.
# After every round the store must hold, of that round's batches, exactly
# a prefix (commits are whole and in order; what was received but not
# committed is lost, never half-applied), nothing twice across restarts
# (the one op aggregate counts exactly one request per stored batch), and
# the last round whole. The seed is printed, so a failure can be replayed
# (OTW_KILL_SEED=...).
#
# usage: test_baseline_kills.sh OTW_BASELINE OTWATCH EVSEND
set -euo pipefail
BASELINE=$1 OTWATCH=$2 EVSEND=$3
command -v python3 >/dev/null || { echo "python3 missing: skip"; exit 77; }

ROUNDS=6 N=400 EPOCH=777
seed=${OTW_KILL_SEED:-$$}
RANDOM=$seed
echo "seed=$seed"
tmp=$(mktemp -d /tmp/otw_e2e_kills.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
url="ipc://$tmp/events.ipc"
store=$tmp/store
mkdir "$store"

check() { # check ROUND_COUNT: every finished round is a prefix; no doubles
	"$OTWATCH" inventory --store "$store" --json >"$tmp/inv"
	python3 - "$tmp/inv" "$1" $N <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
rounds, n = int(sys.argv[2]), int(sys.argv[3])
ports = sorted(o["src_port"] for o in lines if o["type"] == "conn")
ks = []
for r in range(rounds):
    got = [p for p in ports if 10000 + r * n <= p < 10000 + (r + 1) * n]
    k = len(got)
    assert got == list(range(10000 + r * n, 10000 + r * n + k)), \
        "round %d: not a prefix (%r...)" % (r, got[:5])
    ks.append(k)
ops = [o for o in lines if o["type"] == "op"]
assert len(ports) == 0 or (len(ops) == 1 and ops[0]["count"] == len(ports)), \
    "op count %r != %d stored batches: something applied twice" % (
        [o["count"] for o in ops], len(ports))
print(" ".join(map(str, ks)))
PY
}

for r in $(seq 0 $((ROUNDS - 1))); do
	"$BASELINE" --store "$store" --events "$url" --commit-ms $((10 + RANDOM % 50)) \
		2>>"$tmp/log" &
	pid=$!
	"$EVSEND" "$url" 0 $EPOCH $((r * N)) $N 1000 >"$tmp/send" 2>&1 &
	spid=$!
	ms=$((50 + RANDOM % 600))
	sleep "$(printf '0.%03d' "$ms")"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
	wait "$spid" 2>/dev/null || true
	echo "round $r: killed after ${ms} ms; batches kept per round: $(check $((r + 1)))"
done

"$BASELINE" --store "$store" --events "$url" 2>>"$tmp/log" &
pid=$!
"$EVSEND" "$url" 0 $EPOCH $((ROUNDS * N)) $N 0 >"$tmp/send"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || { echo "otw-baseline exited $rc"; tail -20 "$tmp/log"; exit 1; }
ks=$(check $((ROUNDS + 1)))
echo "final: batches kept per round: $ks"
last=${ks##* }
[ "$last" -eq "$N" ] || { echo "last round lost batches: $last of $N"; exit 1; }
lost=$(grep -o 'lost=[0-9]*' "$tmp/log" | tail -1)
echo "baseline's own count of lost messages at the end: $lost"
echo PASS
