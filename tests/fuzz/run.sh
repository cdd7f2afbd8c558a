#!/usr/bin/env bash
# Fuzzes the CAP and JSON warning readers, the directory loaders, the broadcast wire, the CMPP and AMI links and the HTTP endpoints with libFuzzer (clang, ASan + UBSan) for a bounded
# time each. Builds in build-fuzz only the fuzz targets and the libraries they need, so it never touches
# the normal build. Installs clang and libFuzzer's runtime if missing (Debian 12).
#   FUZZ_SECONDS  seconds per target (default 30)    FUZZ_BUILD_DIR  (default build-fuzz)
#   FUZZ_KEEP=1   keep the working corpus folder
# Exit 0 when nothing was found; 1 with the crashing input saved in build-fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-30}
build=${FUZZ_BUILD_DIR:-build-fuzz}

# clang with libFuzzer: the proof is a program that links with -fsanitize=fuzzer.
can_fuzz() {
  local probe
  probe=$(mktemp -d)
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$probe/p.cc"
  clang++ -fsanitize=fuzzer "$probe/p.cc" -o "$probe/p" >/dev/null 2>&1
  local ok=$?
  rm -rf "$probe"
  return $ok
}
if ! command -v clang++ >/dev/null 2>&1 || ! can_fuzz; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "fuzz: installing clang and libclang-rt-dev (libFuzzer)"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends clang libclang-rt-dev
  can_fuzz || { echo "fuzz: clang++ -fsanitize=fuzzer still does not link" >&2; exit 1; }
fi

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DJIAOYING_FUZZ=ON >/dev/null
ninja -C "$build" -j"${FUZZ_JOBS:-1}" cap_fuzz json_fuzz directory_fuzz ebd_fuzz link_fuzz http_fuzz

work=$(mktemp -d)
[ "${FUZZ_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/cap" "$work/json" "$work/directory" "$work/ebd" "$work/link" "$work/http" "$build/findings"
find tests/data/cap -name '*.xml' -exec cp {} "$work/cap/" \;
cp tests/fuzz/json-seeds/*.json "$work/json/"
# Directory seeds: the first byte picks the loader (odd: CSV, even: YAML).
for f in tests/fuzz/directory-seeds/*; do
  case "$f" in *.csv) printf '\001' ;; *) printf '\000' ;; esac | cat - "$f" >"$work/directory/$(basename "$f")"
done

cp tests/fuzz/ebd-seeds/* "$work/ebd/"
# Link seeds: the first byte picks the link (even: CMPP, odd: AMI; tests/fuzz/link_fuzz.cc).
cp tests/fuzz/link-seeds/* "$work/link/"
# HTTP seeds: the first byte picks the endpoint (tests/fuzz/http_fuzz.cc).
cp tests/fuzz/http-seeds/* "$work/http/"

status=0
run() {
  local target=$1 corpus=$2
  shift 2
  echo "fuzz: $target for ${seconds}s over $(ls "$corpus" | wc -l) seeds"
  if ! UBSAN_OPTIONS=print_stacktrace=1 "$build/bin/$target" "$corpus" "$@" \
      -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$build/findings/$target-" -print_final_stats=1 2>"$work/$target.log"; then
    status=1
    tail -60 "$work/$target.log" >&2
    echo "fuzz: $target FOUND A BUG; input saved under $build/findings/" >&2
  fi
  grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$work/$target.log" || true
}
run cap_fuzz "$work/cap" -dict=tests/fuzz/cap.dict
run json_fuzz "$work/json"
run directory_fuzz "$work/directory"
run ebd_fuzz "$work/ebd"
run link_fuzz "$work/link"
run http_fuzz "$work/http"
exit $status
