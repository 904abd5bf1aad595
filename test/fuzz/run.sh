#!/bin/bash
# test/fuzz/run.sh [RUNS] [SECONDS]: build the idset codec fuzzer with
# libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer (Debian's
# clang and libclang-rt-dev), seed it, and run RUNS inputs (default one
# million) or until SECONDS have passed (default no limit).  Exits non-zero
# on any crash, sanitizer report or failed round-trip check.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
runs=${1:-1000000}
seconds=${2:-0}
out=${FUZZ_BUILD_DIR:-$here/build}
CC=${CC:-clang}
codec=("$top/src/idset_format.c" "$top/src/idset_algebra.c" "$top/src/idset_simd.c" "$top/src/idset_count64.c")

command -v "$CC" >/dev/null || { echo "idset fuzz: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
rm -rf "$out/corpus"
mkdir -p "$out/corpus"
"$CC" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-DIDSET_STANDALONE -I"$top/src" "$here/idset_fuzz.c" "${codec[@]}" -o "$out/idset_fuzz"
"$CC" -O1 -DIDSET_STANDALONE -I"$top/src" "$here/idset_seeds.c" "${codec[@]}" -o "$out/idset_seeds"
"$out/idset_seeds" "$out/corpus"
cd "$out"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	./idset_fuzz -runs="$runs" -max_total_time="$seconds" -max_len=4096 \
	-seed=1 -print_final_stats=1 corpus 2>&1 | tail -25
exit "${PIPESTATUS[0]}"
