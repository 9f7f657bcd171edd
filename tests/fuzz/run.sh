#!/usr/bin/env bash
# Build the libFuzzer targets with clang, seed them from the shared captures
# and run each for SECONDS (default 60; the whole frame decoder gets twice
# that). Crashes fail the run.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
bdir=${FUZZ_BUILD:-$src/build-fuzz}
pcaps=$src/../shared/pcaps
if [ ! -d "$bdir" ]; then
  CC=clang meson setup "$bdir" "$src" -Dfuzz=true -Ddpdk=disabled >/dev/null
fi
targets="decode $(awk '!/^#/ && NF == 3 { print $1 }' "$src/tests/fuzz/targets.txt")"
# only the fuzzers: the rest of a -Dfuzz build is instrumented but unused
ninja -C "$bdir" $(for t in $targets; do echo "tests/fuzz/fuzz_$t"; done) >/dev/null
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
python3 "$src/tests/fuzz/mkcorpus.py" "$pcaps" "$src/tests/fuzz/targets.txt" "$corpus"
for t in $targets; do
  s=$secs
  [ "$t" = decode ] && s=$((secs * 2))
  echo "fuzz_$t: ${s}s"
  "$bdir/tests/fuzz/fuzz_$t" -max_total_time="$s" -max_len=2048 \
    -artifact_prefix="$corpus/crash-$t-" -print_final_stats=1 "$corpus/$t" 2>&1 |
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|#.*DONE)' || true
  if ls "$corpus"/crash-$t-* >/dev/null 2>&1; then
    echo "fuzz_$t: CRASH"; exit 1
  fi
done
echo "fuzz: no crashes"
