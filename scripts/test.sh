#!/usr/bin/env bash
# Runs every test: unit tests (plain and under ASan+UBSan) and the root integration tests
# (real mounts, real skopeo/umoci/oci-image-tool). Installs what it needs first.
# Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh || exit 1
scripts/build.sh build || exit 1
# Only the unit tests run under the sanitizers; the binary and integration tests are not needed.
BERTH_BUILD_TARGET=berth_unit_tests scripts/build.sh build-asan -DBERTH_SANITIZE=ON || exit 1

passed=0
failed=0
report=$(mktemp)
trap 'rm -f "$report"' EXIT
run_ctest() {  # label dir [env...]
  local label=$1 dir=$2 log
  shift 2
  log=$(mktemp)
  echo "== ctest -L $label ($dir)"
  rm -f "$dir/Testing/Temporary/LastTestsFailed.log"
  env "$@" ctest --test-dir "$dir" -L "$label" --output-on-failure -j "$(nproc)" 2>&1 | tee "$log"
  local line
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
  if [[ -z $line ]]; then
    failed=$((failed + 1))
  else
    local total bad
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    bad=$(sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/' <<<"$line")
    passed=$((passed + total - bad))
    failed=$((failed + bad))
  fi
  rm -f "$log"
  if [[ -s $dir/Testing/Temporary/LastTestsFailed.log ]]; then
    report_failures "$dir" >> "$report"
  fi
}

# The output of each failed test again, at the end where a CI excerpt (the log's tail) shows
# it: the last 40 lines of its block in ctest's LastTest.log.
report_failures() {  # dir
  local name
  while IFS=: read -r _ name; do
    echo "== failed: $name ($1)"
    awk -v n="$name" '
      $0 ~ /^[0-9]+\/[0-9]+ Test: / { sub(/^[0-9]+\/[0-9]+ Test: /, ""); inside = ($0 == n); next }
      inside && /^<end of output>/ { inside = 0 }
      inside { print }' "$1/Testing/Temporary/LastTest.log" | tail -n 40
  done < "$1/Testing/Temporary/LastTestsFailed.log"
}

strict=()
# The root CI job must not skip privileged tests silently.
[[ $(id -u) -eq 0 ]] && strict=(BERTH_TEST_REQUIRE_PRIVILEGED=1)

run_ctest unit build
run_ctest unit build-asan ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
run_ctest integration build "${strict[@]}"

cat "$report"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
