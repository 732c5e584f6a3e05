#!/usr/bin/env bash
# Configures and builds berth. Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
# BERTH_BUILD_TARGET="berth berth-monitor berth-init" builds only those targets (the demo needs no tests).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
if [[ ! -f "$dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$dir" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
fi
target=()
# shellcheck disable=SC2206  # a space-separated list of targets
[[ -n ${BERTH_BUILD_TARGET:-} ]] && target=(--target ${BERTH_BUILD_TARGET})
cmake --build "$dir" -j "$(nproc)" "${target[@]}"
