#!/bin/sh
# Console latency on a large store: 100k devices, 1M connections, 20k
# alerts written straight through store/ (bench/fillstore), `otwatch
# console` on loopback, wrk against the list and detail endpoints (p50 and
# p99), and the inventory page's first render in headless Chromium.
#   usage: bench/console.sh [BUILD_DIR] [DEVICES] [CONNS] [ALERTS]
# Env: SECONDS_EACH (wrk time per URL, default 10), CONNS_WRK (wrk
#      connections, default 4), THREADS (console threads, default 8),
#      KEEP=1 keeps the temp store. Not a test: figures go to
#      docs/performance.md by hand, with the machine.
set -eu
B=${1:-./build}
ND=${2:-100000}
NC=${3:-1000000}
NA=${4:-20000}
OTW=$B/cli/otwatch
FILL=$B/bench/fillstore
HERE=$(cd "$(dirname "$0")" && pwd)
for x in "$OTW" "$FILL"; do
	[ -x "$x" ] || { echo "bench: $x not built (arg 1 = build dir)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "bench: wrk missing (apt install wrk)" >&2; exit 1; }
SECS=${SECONDS_EACH:-10}
C=${CONNS_WRK:-4}
tmp=$(mktemp -d /tmp/otw-cbench.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ "${KEEP:-0}" = 1 ] && echo "bench: kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
mkdir "$tmp/store"
t0=$(date +%s.%N)
"$FILL" "$tmp/store" "$ND" "$NC" "$NA"
t1=$(date +%s.%N)
echo "fill: $(python3 -c "print('%.1f' % ($t1 - $t0))") s, store $(du -sh "$tmp/store" | cut -f1)"
pw=$("$OTW" user init --db "$tmp/store" | awk '{print $NF}')
tok=$("$OTW" console token add bench --role readonly --db "$tmp/store")
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
"$OTW" console --db "$tmp/store" --listen "127.0.0.1:$port" --threads "${THREADS:-8}" \
	--www "$HERE/../console/www" 2>"$tmp/console.log" &
pid=$!
python3 - "$port" <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close(); break
    except OSError:
        time.sleep(0.1)
PY
base="https://127.0.0.1:$port/api/v1"
get() { python3 - "$base$1" "$tok" <<'PY'
import json, ssl, sys, urllib.request
r = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
print(json.dumps(json.load(urllib.request.urlopen(r, context=ssl._create_unverified_context()))))
PY
}
mid=$(get "/devices?limit=100&offset=$((ND / 2))" | python3 -c "import json,sys; print(json.load(sys.stdin).get('next',''))")
dev=$(get "/devices?limit=1&offset=$((ND / 2))" | python3 -c "import json,sys; d=json.load(sys.stdin)['items'][0]; print(d.get('key') or d['mac'])")
aid=$(get "/alerts?status=open&limit=1&offset=$((NA / 2))" | python3 -c "import json,sys; print(json.load(sys.stdin)['items'][0]['id'])")
printf '%-52s %9s %9s %8s\n' endpoint p50 p99 req/s
for u in "devices?limit=100" "devices?limit=100&after=$mid" "devices?limit=100&offset=$((ND / 2))" \
	 "devices?limit=100&q=Moxa" "devices/$dev" "alerts?limit=100" "alerts?status=open&limit=100" \
	 "alerts/$aid" "connections?limit=100"; do
	code=$(python3 - "$base/$u" "$tok" <<'PY'
import ssl, sys, urllib.request, urllib.error
r = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
try:
    print(urllib.request.urlopen(r, context=ssl._create_unverified_context()).status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
)
	if [ "$code" != 200 ]; then
		printf '%-52s (HTTP %s: not served by this build)\n' "$(echo "$u" | cut -c1-52)" "$code"
		continue
	fi
	wrk -t1 -c"$C" -d"${SECS}s" --latency -H "Authorization: Bearer $tok" "$base/$u" >"$tmp/wrk"
	p50=$(awk '$1=="50%"{print $2}' "$tmp/wrk")
	p99=$(awk '$1=="99%"{print $2}' "$tmp/wrk")
	rps=$(awk '/Requests\/sec/{print $2}' "$tmp/wrk")
	printf '%-52s %9s %9s %8s\n' "$(echo "$u" | cut -c1-52)" "$p50" "$p99" "$rps"
done
python3 "$HERE/ui_render.py" "$port" "$pw" || echo "ui render: skipped (chromium?)"
