#!/usr/bin/env bash
# The demo: install what is missing, build, reserve hugepages, generate the
# simulated plant capture, run the full pipeline (otw-capture + 2 otw-dissect
# workers + otw-baseline) on it, and print the inventory it learned.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
"$src/deploy/install-deps.sh"
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
"$src/deploy/hugepages.sh" 512 >/dev/null

work=${OTW_DEMO_DIR:-/tmp/otwatch-demo}
mkdir -p "$work"
rm -rf "$work/store"
echo "== simulating a plant: $work/plant.pcap"
build/otwatch simulate --out "$work/plant.pcap" --seed 1
# learning mode covers the plant's normal phase; its attack phase alerts
learn=$(python3 -c "import json; d = json.load(open('$work/plant.pcap.truth.json')); \
print(int((d['attack']['start_us'] - d['first_us']) / 1e6))")
echo "== running the pipeline (capture -> 2 workers -> baseline) on it, learning ${learn}s"
build/otwatch run --pcap "$work/plant.pcap" --workers 2 --store "$work/store" \
  --events "ipc://$work/events.ipc" --file-prefix otwdemo --until-idle 3 \
  --learn-seconds "$learn"
echo "== inventory learned by the pipeline ($work/store)"
build/otwatch inventory --store "$work/store"
echo "== alerts raised after learning"
build/otwatch alerts --store "$work/store"

# The console stays up after the script: a previous demo's console is
# replaced, its users kept in the (fresh) store are made anew.
pkill -f "otwatch console --db $work/store" 2>/dev/null || true
cred=$(build/otwatch user init --db "$work/store")
setsid build/otwatch console --db "$work/store" --listen 127.0.0.1:8443 \
  >"$work/console.log" 2>&1 </dev/null &
for _ in $(seq 50); do
  grep -q event=listening "$work/console.log" 2>/dev/null && break
  sleep 0.1
done
echo "== console: https://localhost:8443/ (self-signed certificate; log $work/console.log)"
echo "   $cred"
echo "   stop it with: pkill -f 'otwatch console --db $work/store'"
