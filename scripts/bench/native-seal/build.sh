#!/usr/bin/env bash
# Builds the native SEAL reference of the homomorphic bench, outside this repository:
#
#   scripts/bench/native-seal/build.sh <SEAL 4.1.2 source> [build dir]
#
# SEAL (Release, no HEXL, no zstd/zlib/GSL, no downloads) is configured, built and installed under
# <build dir>/seal-build and <build dir>/seal-install (both reused when present), then this folder's
# program under <build dir>/bench. Prints the program's path last; hand it to the bench:
#
#   node scripts/bench/homomorphic.ts --skip-e2e --native-seal <path>   (or NATIVE_SEAL_BENCH=<path>)
#
# A SEAL source from the mirror: git -C <mirror> archive v4.1.2 | tar -x -C <dir>. JOBS sets make's
# parallelism (2 by default). SEAL_INSTALL=<prefix> skips building SEAL and uses that install.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="${1:-}"
build_dir="${2:-${TMPDIR:-/tmp}/datavault-native-seal}"
jobs="${JOBS:-2}"
if [[ -z "${SEAL_INSTALL:-}" ]]; then
  if [[ -z "$source_dir" || ! -f "$source_dir/CMakeLists.txt" ]]; then
    echo "usage: $0 <SEAL 4.1.2 source dir> [build dir]   (or SEAL_INSTALL=<prefix> $0)" >&2
    exit 2
  fi
  version="$(sed -n 's/^project(SEAL VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")"
  if [[ "$version" != "4.1.2" ]]; then
    echo "$source_dir is SEAL ${version:-unknown}, not 4.1.2 (node-seal 7's version)" >&2
    exit 2
  fi
  SEAL_INSTALL="$build_dir/seal-install"
  if [[ ! -d "$SEAL_INSTALL/lib/cmake/SEAL-4.1" ]]; then
    cmake -S "$source_dir" -B "$build_dir/seal-build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$SEAL_INSTALL" \
      -DSEAL_USE_INTEL_HEXL=OFF -DSEAL_USE_ZSTD=OFF -DSEAL_USE_ZLIB=OFF -DSEAL_USE_MSGSL=OFF -DSEAL_BUILD_DEPS=OFF \
      -DBUILD_SHARED_LIBS=OFF -DSEAL_BUILD_EXAMPLES=OFF -DSEAL_BUILD_TESTS=OFF -DSEAL_BUILD_BENCH=OFF >&2
    cmake --build "$build_dir/seal-build" -j "$jobs" >&2
    cmake --install "$build_dir/seal-build" >&2
  fi
fi
cmake -S "$here" -B "$build_dir/bench" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$SEAL_INSTALL" >&2
cmake --build "$build_dir/bench" -j "$jobs" >&2
echo "$build_dir/bench/native-seal-bench"
