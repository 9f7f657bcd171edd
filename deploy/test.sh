#!/usr/bin/env bash
# Install what is missing, build, and run every test: unit (cmocka), oracle
# (tshark-checked captures), e2e (the real multi-process pipeline on
# hugepages), the unit suite again under ASan+UBSan, and a short fuzz run.
# Ends with "N passed, N failed".
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
fuzz_secs=${OTW_FUZZ_SECONDS:-8}
"$src/deploy/install-deps.sh" || exit 1
[ "$(id -u)" -eq 0 ] && "$src/deploy/hugepages.sh" 512 >/dev/null

pass=0 fail=0 skip=0
count() { # count results of a meson testlog
  python3 - "$1" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
}
run_suite() { # build dir, meson test args...
  local b=$1; shift
  meson test -C "$b" --print-errorlogs "$@"
  read -r p f s < <(count "$b/meson-logs/testlog.json")
  pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
}

[ -d build ] || meson setup build -Dwerror=true || { echo "tests: 0 passed, 1 failed"; exit 1; }
ninja -C build || { echo "tests: 0 passed, 1 failed"; exit 1; }
run_suite build

[ -d build-asan ] || meson setup build-asan -Dwerror=true -Dsanitize=address,undefined \
  -Dbuildtype=debug
if ninja -C build-asan; then
  run_suite build-asan --suite unit
else
  fail=$((fail + 1))
fi

if "$src/tests/fuzz/run.sh" "$fuzz_secs"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi

echo
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
