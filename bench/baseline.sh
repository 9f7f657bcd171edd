#!/usr/bin/env bash
# Baseline engine throughput and LMDB footprint (see bench/README.md).
#   bench/baseline.sh [BENCH_BASELINE] [EVENTS]
# defaults: build/bench/bench_baseline, 4000000 events.
set -euo pipefail
BIN=${1:-build/bench/bench_baseline}
EVENTS=${2:-4000000}
tmp=$(mktemp -d /tmp/otw_bench_bl.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/store"
# one core, as otw-baseline runs; otw-baseline's default group commits
# (100 ms or 65536 events), then commits by time only
taskset -c 0 "$BIN" "$tmp/store" --events "$EVENTS"
mkdir "$tmp/store2"
echo "--- commits every 100 ms only:"
taskset -c 0 "$BIN" "$tmp/store2" --events "$EVENTS" --commit-events 4294967296 | grep with_commits
rm -rf "$tmp/store2"
# bytes per record: the table's pages (branch + leaf + overflow) x page size
command -v mdb_stat >/dev/null || { echo "mdb_stat missing (lmdb-utils): no footprint"; exit 0; }
mdb_stat -ea "$tmp/store" | awk '
  /^Status of/ { db = $3 }
  /Page size:/ { ps = $3 }
  /Branch pages:/ { pages[db] += $3 }
  /Leaf pages:/ { pages[db] += $3 }
  /Overflow pages:/ { pages[db] += $3 }
  /Entries:/ { ent[db] = $2 }
  END {
    for (d in ent) if (ent[d] > 0)
      printf "lmdb %-10s entries=%-9d bytes=%-10d bytes_per_entry=%.1f\n", d, ent[d], pages[d] * ps, pages[d] * ps / ent[d]
  }' | sort
echo "data.mdb: $(stat -c %s "$tmp/store/data.mdb") bytes"
