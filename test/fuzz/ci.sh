#!/bin/bash
# test/fuzz/ci.sh TREE: CI's short fuzz run of the idset codec (called by
# test/run.sh after the main suite).  Installs Debian's clang and libFuzzer
# runtime if missing, then runs up to one million inputs or 40 seconds.
set -euo pipefail
tree=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! command -v clang >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
fi
build=$(mktemp -d /tmp/idset_fuzz.XXXXXX)
trap 'rm -rf "$build"' EXIT
FUZZ_BUILD_DIR=$build bash "$tree/test/fuzz/run.sh" 1000000 40
