#!/bin/sh
# Throughput of otwatch against nDPI and tshark on one simulated capture.
#   usage: bench/run.sh [BUILD_DIR] [PACKETS]     (defaults: ./build 1200000)
# The capture is generated into a temp dir (removed on exit), never
# committed. Needs python3; ndpiReader, tshark and perf are used if found.
# Env: BENCH_SECONDS (otwatch --bench replay time, default 5),
#      RUN_SECONDS (full-pipeline run time, default 20), KEEP=1 keeps tmp.
set -eu
B=${1:-./build}
N=${2:-1200000}
OTW=$B/otwatch
[ -x "$OTW" ] || { echo "bench: $OTW not built (arg 1 = build dir)" >&2; exit 1; }
BENCH_SECONDS=${BENCH_SECONDS:-5}
RUN_SECONDS=${RUN_SECONDS:-20}
tmp=$(mktemp -d /tmp/otw-bench.XXXXXX)
run_pid=
cleanup() {
	[ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null
	[ "${KEEP:-0}" = 1 ] && echo "bench: kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
PCAP=$tmp/bench.pcap

now() { date +%s.%N; }
# wall seconds of "$@" (output to $tmp/out), into $secs
timed() {
	t0=$(now)
	"$@" >"$tmp/out" 2>&1
	t1=$(now)
	secs=$(python3 -c "print('%.3f' % ($t1 - $t0))")
}
rate() { python3 -c "print('%.0f' % ($1 / $2))"; }
ratio() { python3 -c "print('%.1f' % ($1 / $2))"; }

echo "== machine"
lscpu | sed -n 's/^Model name: *//p; s/^CPU(s): */cpus: /p' | head -2
echo "kernel: $(uname -r)"
echo "otwatch: $($OTW --version) ($B)"

echo "== capture: otwatch simulate --packets $N --seed 1"
timed "$OTW" simulate --out "$PCAP" --packets "$N" --seed 1
pk=$(python3 -c "import json; print(json.load(open('$PCAP.truth.json'))['packets'])")
by=$(python3 -c "import json; print(json.load(open('$PCAP.truth.json'))['bytes'])")
echo "packets $pk, wire bytes $by, $(du -h "$PCAP" | cut -f1) on disk;" \
	"generated in ${secs}s ($(rate "$pk" "$secs") pkt/s)"

echo "== (a) otwatch analyze --bench --seconds $BENCH_SECONDS (in memory, engine only)"
"$OTW" analyze --bench --seconds "$BENCH_SECONDS" "$PCAP" >"$tmp/bench.json"
cat "$tmp/bench.json"
otw_mem_pps=$(python3 -c "
import json
d = json.load(open('$tmp/bench.json'))
print('%.0f' % d['pps'])
print('otwatch in-memory: %.2f Mpkt/s, %.2f Gbit/s, %.1f ns/pkt, flow entry %d B, flow table %d B for %d flows seen (%.1f B/flow slot)' % (
    d['pps'] / 1e6, d['gbps'], d['ns_per_packet'], d['flow_entry_bytes'],
    d['flow_table_bytes'], d['flows'], d['flow_slots_bytes_per_flow']),
    file=__import__('sys').stderr)
")

echo "== (a') otwatch analyze --json FILE (one pass from disk, wall clock)"
timed "$OTW" analyze --json "$PCAP"
otw_file_s=$secs
echo "otwatch analyze: ${secs}s, $(rate "$pk" "$secs") pkt/s"

echo "== (b) full pipeline: otwatch run --pcap FILE --loop (net_pcap infinite_rx)"
# -------------------------------------------------------------------------
# Owned by the capture/run work: runs only once `otwatch run --help` works.
# Replays the capture forever through otw-capture -> rings -> otw-dissect
# -> otw-baseline and samples `otwatch status` twice.
# -------------------------------------------------------------------------
# net_pcap's infinite_rx holds the whole file in mbufs: the pipeline gets
# its own 100k-packet capture (and a pool to match) so it fits in 1 GiB of
# hugepages; the figures are per worker and for the whole pipeline.
PIPE_PCAP=$tmp/pipe.pcap
"$OTW" simulate --out "$PIPE_PCAP" --packets 100000 --seed 2 >/dev/null
if [ "$(id -u)" = 0 ]; then
	"$OTW" run --pcap "$PIPE_PCAP" --loop --workers "${WORKERS:-2}" \
		--store "$tmp/store" --events "ipc://$tmp/ev.ipc" \
		--file-prefix otwbench --pool-size 131071 --hugepages-mb 512 \
		>"$tmp/run.log" 2>&1 &
	run_pid=$!
	sleep 5
	"$OTW" status --file-prefix otwbench --json >"$tmp/st1" 2>&1 || true
	t0=$(now)
	sleep "$RUN_SECONDS"
	"$OTW" status --file-prefix otwbench --json >"$tmp/st2" 2>&1 || true
	t1=$(now)
	python3 - "$tmp/st1" "$tmp/st2" "$t0" "$t1" <<'EOF' || cat "$tmp/run.log"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
dt = float(sys.argv[4]) - float(sys.argv[3])
d = lambda f: f(b) - f(a)
rx = d(lambda s: sum(p["rx_packets"] for p in s["ports"]))
drops = d(lambda s: sum(r["drops"] for r in s["rings"]))
for wa, wb in zip(a["workers"], b["workers"]):
    n = wb["packets"] - wa["packets"]
    by = wb["bytes"] - wa["bytes"]
    print("worker %d: %.2f Mpkt/s, %.2f Gbit/s (one core each)" %
          (wb["worker"], n / dt / 1e6, by * 8 / dt / 1e9))
wk = d(lambda s: sum(w["packets"] for w in s["workers"]))
print("pipeline: capture rx %.2f Mpkt/s, dissected %.2f Mpkt/s, ring drops "
      "%.2f Mpkt/s (infinite_rx offers more than the workers take) over %.1f s"
      % (rx / dt / 1e6, wk / dt / 1e6, drops / dt / 1e6, dt))
EOF
	kill -INT "$run_pid" 2>/dev/null || true
	wait "$run_pid" 2>/dev/null || true
	run_pid=
else
	echo "skipped: the pipeline needs root (hugepages)"
fi

echo "== (d) 1M concurrent flows (one SYN each): flow-table memory and insert rate"
python3 "$(dirname "$0")/flows.py" "$tmp/flows.pcap" 1000000
"$OTW" analyze --bench --seconds "$BENCH_SECONDS" --max-flows 1048576 "$tmp/flows.pcap" >"$tmp/flows.json"
python3 -c "
import json
d = json.load(open('$tmp/flows.json'))
print('1M flows: %.2f Mpkt/s inserting, flow table %.0f MiB (%d B/flow slot), max RSS %.0f MiB for the whole process' % (
    d['pps'] / 1e6, d['flow_table_bytes'] / 2**20, d['flow_slots_bytes_per_flow'], d['max_rss_bytes'] / 2**20))
"
rm -f "$tmp/flows.pcap"

echo "== (c) ndpiReader -i FILE"
if command -v ndpiReader >/dev/null; then
	timed ndpiReader -i "$PCAP"
	nd_s=$secs
	grep -E 'nDPI throughput|Packet Processing Time|Unique flows|Flow Memory' "$tmp/out" | sed 's/^[[:space:]]*/  /'
	nd_pps=$(sed -n 's/.*nDPI throughput: *\([0-9.]*\) M pps.*/\1/p' "$tmp/out")
	echo "ndpiReader wall clock ${nd_s}s ($(rate "$pk" "$nd_s") pkt/s incl. file read and setup)"
	if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
		perf stat -e task-clock,cycles,instructions ndpiReader -i "$PCAP" \
			>/dev/null 2>"$tmp/perf" || true
		grep -E 'task-clock|cycles|instructions|elapsed' "$tmp/perf" | sed 's/^ */  perf: /'
	fi
	[ -n "$nd_pps" ] && echo "otwatch in-memory vs nDPI's own throughput figure:" \
		"otwatch $(ratio "$otw_mem_pps" "$(python3 -c "print($nd_pps * 1e6)")")x faster"
	echo "otwatch analyze vs ndpiReader, wall clock on the file:" \
		"otwatch $(ratio "$nd_s" "$otw_file_s")x faster"
else
	echo "skipped: ndpiReader not installed (apt install libndpi-bin)"
fi

echo "== (c) tshark -r FILE -q"
if command -v tshark >/dev/null; then
	# -q alone lets tshark skip most dissection (no tap, no filter): it
	# is the floor. -z io,phs makes it dissect every layer of every frame.
	for args in "-q" "-q -z io,phs"; do
		# shellcheck disable=SC2086
		timed tshark -r "$PCAP" $args
		echo "tshark -r FILE $args: ${secs}s ($(rate "$pk" "$secs") pkt/s);" \
			"otwatch analyze $(ratio "$secs" "$otw_file_s")x faster (wall" \
			"clock), otwatch in-memory $(ratio "$otw_mem_pps" "$(rate "$pk" "$secs")")x"
	done
else
	echo "skipped: tshark not installed"
fi
