#!/usr/bin/env bash
# Crash-resume of otw-baseline: SIGKILL mid-stream, restart, feed more,
# SIGTERM; the store must hold exactly a prefix of the first stream (the
# batches committed before the kill, no partial batch, nothing twice) plus
# every batch of the second, and count the gap as lost.
#
# usage: test_baseline_crash.sh OTW_BASELINE OTWATCH EVSEND
set -euo pipefail
BASELINE=$1 OTWATCH=$2 EVSEND=$3
command -v python3 >/dev/null || { echo "python3 missing: skip"; exit 77; }

N1=3000   # first stream, killed part-way
N2=500    # second stream, after the restart
EPOCH=4242
tmp=$(mktemp -d /tmp/otw_e2e_crash.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
url="ipc://$tmp/run/sub/events.ipc"   # parent dirs made by otw-baseline
store=$tmp/store
mkdir "$store"

# --- phase 1: frequent commits, SIGKILL while batches are flowing
"$BASELINE" --store "$store" --events "$url" --commit-ms 20 \
	2>"$tmp/log1" &
pid=$!
"$EVSEND" "$url" 0 $EPOCH 0 $N1 500 >"$tmp/send1" &
spid=$!
# kill once some batches are committed (not after a fixed time: a loaded
# machine may start otw-baseline late); the sender needs ~6 s for all
for _ in $(seq 200); do
	sleep 0.1
	n=$("$OTWATCH" inventory --store "$store" --json 2>/dev/null |
		grep -c '"type":"conn"' || true)
	[ "${n:-0}" -gt 0 ] && break
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=
wait "$spid" || true   # exits 3 once the receiver is gone
echo "phase 1 sender: $(cat "$tmp/send1")"

"$OTWATCH" inventory --store "$store" --json >"$tmp/inv1"
k=$(python3 - "$tmp/inv1" $N1 <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
n1 = int(sys.argv[2])
ports = sorted(o["src_port"] for o in lines if o["type"] == "conn")
k = len(ports)
# a committed state is a prefix of the stream: ports 10000..10000+k-1
assert ports == list(range(10000, 10000 + k)), "not a prefix: %r" % ports[:5]
assert 0 < k < n1, "kill was not mid-stream (k=%d)" % k
ops = [o for o in lines if o["type"] == "op"]
assert len(ops) == 1 and ops[0]["count"] == k, (ops, k)
print(k)
PY
)
echo "committed before the kill: $k of $N1 batches"

# --- phase 2: restart; commits only at SIGTERM, so the exit path is tested
"$BASELINE" --store "$store" --events "$url" --commit-ms 600000 \
	--commit-events 100000000 2>"$tmp/log2" &
pid=$!
"$EVSEND" "$url" 0 $EPOCH $N1 $N2 0 touch >"$tmp/send2"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || { echo "otw-baseline exited $rc"; cat "$tmp/log2"; exit 1; }

"$OTWATCH" inventory --store "$store" --json >"$tmp/inv2"
"$OTWATCH" inventory --store "$store" >"$tmp/table2"
python3 - "$tmp/inv2" "$tmp/log2" $k $N1 $N2 <<'PY'
import json, re, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
log = open(sys.argv[2]).read()
k, n1, n2 = map(int, sys.argv[3:6])
conns = {o["src_port"]: o for o in lines if o["type"] == "conn"}
want = set(range(10000, 10000 + k)) | set(range(10000 + n1, 10000 + n1 + n2))
assert set(conns) == want, "conn set: missing %d, extra %d" % (
    len(want - set(conns)), len(set(conns) - want))
# port 10000 got one packet per phase-2 batch on top of its own
c0 = conns[10000]
assert c0["packets"] == 1 + n2 and c0["bytes"] == 100 * (1 + n2), c0
for p, c in conns.items():
    if p != 10000:
        assert c["packets"] == 1 and c["bytes"] == 100, c
    assert c["app"] == "modbus" and c["dst_port"] == 502, c
ops = [o for o in lines if o["type"] == "op"]
assert len(ops) == 1, ops
assert ops[0]["count"] == k + n2 and ops[0]["responses"] == k + n2, ops
assert ops[0]["name"] == "read_holding_registers", ops
devs = {o["mac"]: o for o in lines if o["type"] == "device"}
assert set(devs) == {"02:00:00:00:00:01", "02:00:00:00:00:0a"}, devs
plc, hmi = devs["02:00:00:00:00:01"], devs["02:00:00:00:00:0a"]
# the server side of Modbus is a PLC; one client polling one PLC is not
# evidence enough to type it (classification needs more, see inventory.md)
assert plc.get("role") == "plc" and hmi.get("role") in (None, "hmi", "scada"), devs
assert plc["ips"] == ["10.0.0.1"] and plc["protocols"] == ["modbus"], plc
last = 1700000000 + (n1 + n2 - 1) * 1000 / 1e9
assert abs(plc["last_seen"] - last) < 1e-7, (plc["last_seen"], last)
# the gap between the last committed seq (k-1) and n1 is counted as lost
stop = [l for l in log.splitlines() if "event=stop" in l]
assert stop, log
f = dict(kv.split("=", 1) for kv in stop[-1].split() if "=" in kv)
assert int(f["lost"]) == n1 - k, (f["lost"], n1 - k)
assert int(f["batches"]) == k + n2, (f["batches"], k + n2)
print("ok: %d conns, op count %d, lost %d" % (len(conns), k + n2, n1 - k))
PY
grep -q "^DEVICES (2)" "$tmp/table2"
