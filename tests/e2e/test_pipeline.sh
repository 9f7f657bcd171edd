#!/bin/sh
# e2e: the whole DPDK pipeline (otw-capture -> 2 x otw-dissect -> otw-baseline)
# on a shared pcap (or, without the shared folder, the simulated plant) must (a) take in every packet with no ring drop and
# (b) store the same inventory `otwatch analyze` computes offline.
# usage: test_pipeline.sh BUILD_ROOT SOURCE_DIR   (meson passes both)
# Exit 77 = skipped (not root, no hugepages, missing programs or pcap).
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
otw="$build/cli/otwatch"
pcaps="$src/../../../shared/pcaps"
pcap="$pcaps/modbus/iti-mb2-polling.pcap"
want_pkts=$(awk -F'\t' '$1 == "modbus/iti-mb2-polling.pcap" { print $3 }' \
	"$pcaps/MANIFEST.tsv" 2>/dev/null)
want_pkts=${want_pkts:-13472}

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root (hugepages, DPDK)"
for p in capture/otw-capture dissect/otw-dissect baseline/otw-baseline cli/otwatch; do
	[ -x "$build/$p" ] || skip "$p not built"
done
"$src/../../deploy/hugepages.sh" 512 >/dev/null || skip "cannot reserve hugepages"

tmp=$(mktemp -d /tmp/otw-e2e.XXXXXX)
if [ ! -f "$pcap" ]; then
	echo "note: no $pcap; using the simulated plant"
	pcap="$tmp/sim.pcap"
	"$otw" simulate --out "$pcap" --packets 12000 >/dev/null ||
		fail "simulate failed"
	want_pkts=$("$otw" analyze "$pcap" | sed -n 's/^\([0-9][0-9]*\) packets,.*/\1/p')
	want_pkts=${want_pkts:-12000}
fi
prefix="otwe2e$$"
cleanup() {
	rm -f /dev/hugepages/"$prefix"map_* 2>/dev/null
	rm -rf /var/run/dpdk/"$prefix" "$tmp"
}
trap cleanup EXIT

# The rings (16384 > packets in the file) and pool hold the whole capture:
# on a 2-core box the workers may be descheduled while capture reads the
# file at full speed, and a drop there would be a scheduling artefact.
timeout 180 "$otw" run --pcap "$pcap" --workers 2 --until-idle 2 \
	--store "$tmp/store" --events "ipc://$tmp/events.ipc" \
	--file-prefix "$prefix" --hugepages-mb 256 \
	--ring-size 16384 --pool-size 32767 >"$tmp/run.log" 2>&1
rc=$?
cat "$tmp/run.log"
[ $rc = 0 ] || fail "otwatch run exited $rc"

# (a) counters from the capture's and workers' final log lines
kv() {	# kv EVENT KEY: KEY's value on every "event=EVENT" line
	awk -v ev="event=$1" -v k="$2=" '{
		hit = 0
		for (i = 1; i <= NF; i++) if ($i == ev) hit = 1
		if (hit) for (i = 1; i <= NF; i++)
			if (index($i, k) == 1) print substr($i, length(k) + 1)
	}' "$tmp/run.log"
}
rx=$(kv capture_totals rx_packets)
drops=$(kv capture_totals ring_drops)
missed=$(kv capture_totals imissed)
wk=$(kv worker_totals packets | awk '{ s += $1 } END { print s + 0 }')
lost=$(kv worker_totals send_fail | awk '{ s += $1 } END { print s + 0 }')
echo "rx=$rx ring_drops=$drops imissed=$missed worker_packets=$wk send_fail=$lost"
[ "$rx" = "$want_pkts" ] || fail "capture rx $rx != $want_pkts"
[ "$drops" = 0 ] || fail "ring drops: $drops"
[ "$wk" = "$want_pkts" ] || fail "workers dissected $wk != $want_pkts"
[ "$lost" = 0 ] || fail "NNG send failures: $lost"

# (b) stored inventory == offline analysis (device/conn/op lines)
"$otw" inventory --json --store "$tmp/store" >"$tmp/inv.json" 2>"$tmp/inv.err" ||
	{ cat "$tmp/inv.err"; fail "otwatch inventory failed"; }
"$otw" analyze --json "$pcap" >"$tmp/ana.json" 2>"$tmp/ana.err" ||
	{ cat "$tmp/ana.err"; fail "otwatch analyze failed"; }
python3 - "$tmp/inv.json" "$tmp/ana.json" <<'PY' || fail "inventory differs from analyze"
import json, sys
def load(path):
    out = set()
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        o = json.loads(line)
        # a fact's last_seen is when a worker last reported it; workers
        # drop repeats, so it depends on how flows split between workers
        for f in o.get("facts", []):
            f.pop("last_seen", None)
        if o.get("type") in ("device", "conn", "op"):
            out.add(json.dumps(o, sort_keys=True))
    return out
inv, ana = load(sys.argv[1]), load(sys.argv[2])
for name, s in (("only in inventory", inv - ana), ("only in analyze", ana - inv)):
    for line in sorted(s)[:20]:
        print(name + ": " + line)
print("inventory lines=%d analyze lines=%d common=%d" % (len(inv), len(ana), len(inv & ana)))
sys.exit(0 if inv == ana and inv else 1)
PY

# Alerts and their evidence: the simulated plant, learned up to its attack.
# Every saved alert must get <store>/evidence/<id>.pcap from the workers'
# rings, readable by capinfos, holding packets of the alert's source.
sim="$tmp/sim7.pcap"
"$otw" simulate --out "$sim" --seed 7 >/dev/null || fail "simulate failed"
learn=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))
print((t["attack"]["start_us"] - t["first_us"]) // 1000000)' "$sim.truth.json")
timeout 180 "$otw" run --pcap "$sim" --workers 2 --until-idle 2 \
	--store "$tmp/store2" --events "ipc://$tmp/events2.ipc" \
	--file-prefix "$prefix" --hugepages-mb 256 --learn-seconds "$learn" \
	--ring-size 16384 --pool-size 32767 >"$tmp/run2.log" 2>&1 ||
	{ cat "$tmp/run2.log"; fail "otwatch run (sim) failed"; }
grep "event=evidence" "$tmp/run2.log"
"$otw" alerts list --json --store "$tmp/store2" >"$tmp/alerts.json" ||
	fail "otwatch alerts failed"
python3 - "$tmp/alerts.json" "$tmp/store2/evidence" <<'PY' || fail "alert evidence"
import json, os, subprocess, sys
alerts = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
bad = 0
for a in alerts:
    f = os.path.join(sys.argv[2], "%d.pcap" % a["id"])
    if not os.path.exists(f):
        print("no evidence for", a["id"], a["title"]); bad += 1; continue
    r = subprocess.run(["tshark", "-r", f, "-T", "fields", "-e", "ip.src", "-e", "ip.dst",
                        "-e", "arp.src.proto_ipv4"], capture_output=True, text=True)
    rows = r.stdout.split()
    if r.returncode != 0 or not rows or a.get("src_ip") and a["src_ip"] not in rows:
        print("bad evidence for", a["id"], a["title"], r.stderr.strip()); bad += 1
print("alerts=%d with good evidence=%d" % (len(alerts), len(alerts) - bad))
sys.exit(1 if bad or not alerts else 0)
PY
echo PASS
