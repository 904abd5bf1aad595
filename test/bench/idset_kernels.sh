#!/bin/bash
# test/bench/idset_kernels.sh [TRIALS]: build test/bench/idset_kernels.c with
# the idset codec (no server; -O2, as the extension is built) and run it: the
# sparse 62-bit count's decode and merge in ns per value, minimum over many
# trials, with the server's window of 16 blocks per side (the fuzzer's build
# uses 2).  IDSET_KERNELS_SRC=<dir> builds another tree's codec (for A/B;
# a tree before this script existed keeps the fuzzer's window).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${IDSET_KERNELS_SRC:-$here/../../src}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
${CC:-gcc} -O2 -DIDSET_STANDALONE -DWIDE_WINDOW_BLOCKS=16 -I"$src" "$here/idset_kernels.c" \
	"$src/idset_format.c" "$src/idset_algebra.c" "$src/idset_simd.c" \
	"$src/idset_count64.c" -o "$out/idset_kernels"
"$out/idset_kernels" "${1:-50}"
