#!/usr/bin/env bash
# build_bench.sh: times the build of one multi-step Containerfile (FROM the busybox
# stand-in, several RUN, COPY of a directory of 1,000 small files, ENV, WORKDIR, CMD) by
# `berth build` and by `buildah bud --layers --isolation chroot`, each cold (a fresh store
# holding only the base image) and again with nothing changed (every step from the cache),
# on disk and on a tmpfs, and prints the medians side by side with the ratios the targets
# are stated in (berth cold <= 0.5x buildah cold; berth no-change rebuild < 100 ms). It
# reports the targets, it does not enforce them. While `berth build` does not exist (the
# verb's help is missing) only buildah is timed and the berth rows say so.
# See tests/bench/README.md.
#
# usage: tests/bench/build_bench.sh [--runs N] [--fs LIST] [--berth PATH] [--files N]
#   --runs N      measured rounds per filesystem after one warm-up round (default 5)
#   --fs LIST     filesystems to run on, comma-separated: disk, tmpfs (default disk,tmpfs)
#   --berth PATH  berth binary (default: $BERTH, else <repo>/build/cli/berth, brought up to
#                 date first with `ninja -C <repo>/build berth`)
#   --files N     files in the COPY'd directory (default 1000)
# env: BERTH_BENCH_DIR  work dir on the disk under test (default /var/tmp/berth-build-bench)
#
# Needs root. Installs buildah, skopeo, busybox-static and jq with apt-get when missing;
# also needs util-linux (unshare, findmnt). No network: the base image is built offline by
# tests/fixtures/make-busybox-image.sh, and every FROM names it with --pull=never.
set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C  # EPOCHREALTIME and awk print "1.5", not "1,5"

script=$(readlink -f "${BASH_SOURCE[0]}")
repo=$(cd "$(dirname "$script")/../.." && pwd)
bench_name=build_bench
# shellcheck source=tests/bench/bench_lib.sh
. "$(dirname "$script")/bench_lib.sh"
bench_dir=${BERTH_BENCH_DIR:-/var/tmp/berth-build-bench}
readonly ref=localhost/berth-bench/busybox:latest
readonly tag=localhost/berth-bench/app:latest
runs=5
fs_list=disk,tmpfs
berth=${BERTH:-}
nfiles=1000

usage() {
  sed -n '2,23p' "$script" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while (($#)); do
  case $1 in
    --runs) runs=${2:-}; shift 2 || usage ;;
    --runs=*) runs=${1#*=}; shift ;;
    --fs) fs_list=${2:-}; shift 2 || usage ;;
    --fs=*) fs_list=${1#*=}; shift ;;
    --berth) berth=${2:-}; shift 2 || usage ;;
    --berth=*) berth=${1#*=}; shift ;;
    --files) nfiles=${2:-}; shift 2 || usage ;;
    --files=*) nfiles=${1#*=}; shift ;;
    *) usage ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $nfiles =~ ^[1-9][0-9]*$ &&
  $fs_list =~ ^(disk|tmpfs)(,(disk|tmpfs))?$ ]] || usage
IFS=, read -r -a filesystems <<<"$fs_list"

# ---- the build context -------------------------------------------------------------------

# The Containerfile of issue 5's performance section; 9 steps. Every RUN is deterministic.
write_context() {
  local ctx=$1 d i
  mkdir -p "$ctx/files"
  cat >"$ctx/Containerfile" <<EOF
FROM $ref
RUN mkdir -p /opt/app/bin /var/log/app && echo "bench build" > /opt/app/stamp
RUN i=0; while [ \$i -lt 500 ]; do echo "line \$i"; i=\$((i + 1)); done > /opt/app/lines.txt
RUN echo 'app:x:1000:1000:app:/opt/app:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group
COPY files/ /opt/app/files/
ENV APP_HOME=/opt/app APP_MODE=bench
WORKDIR /opt/app
RUN find files -type f | wc -l > file-count.txt && chown -R 1000:1000 /var/log/app
CMD ["cat", "/opt/app/file-count.txt"]
EOF
  # $nfiles files of 64 B to 2 KiB in 10 directories; same content on every machine.
  for ((d = 0; d < 10; d++)); do mkdir -p "$ctx/files/dir$d"; done
  awk -v n="$nfiles" -v root="$ctx/files" 'BEGIN {
    for (i = 0; i < n; i++) {
      f = sprintf("%s/dir%d/file%04d.txt", root, i % 10, i)
      size = 64 + (i * 7919) % 1985
      line = sprintf("file %d of the build benchmark context; ", i)
      s = ""
      while (length(s) < size) s = s line
      printf "%s\n", substr(s, 1, size - 1) > f
      close(f)
    }
  }'
}

# ---- measuring --------------------------------------------------------------------------
#
# Each run goes through `bash -c "$timer" _ CMD...`: the clock is read right around CMD in
# that shell, whose `times` then gives the CPU time (user + system) of what it reaped: the
# builder and every RUN process it started and waited for.
# shellcheck disable=SC2016  # expands in the inner shell
readonly timer='t0=$EPOCHREALTIME; "$@" </dev/null >"$BUILD_BENCH_OUT" 2>&1; rc=$?
t1=$EPOCHREALTIME; echo "$t0 $t1 $rc"; times'

# timed FS CASE RECORD CMD...: one run of CMD; appends "FS CASE wall_ms cpu_ms" to $results
# if RECORD. Fails (with the command's output) when CMD does.
timed() {
  local fs=$1 name=$2 record=$3 out t0 t1 rc user sys
  shift 3
  out=$(bash -c "$timer" _ "$@") || true
  read -r t0 t1 rc <<<"$(sed -n 1p <<<"$out")"
  if [[ ${rc:-x} != 0 ]]; then
    log "$fs $name failed (exit ${rc:-?}): $*"
    tail -n 30 "$BUILD_BENCH_OUT" | sed 's/^/  /' >&2
    return 1
  fi
  read -r user sys <<<"$(sed -n 3p <<<"$out")"
  if ((record)); then
    awk -v fs="$fs" -v c="$name" -v a="$t0" -v b="$t1" -v u="$(seconds_of "$user")" \
      -v s="$(seconds_of "$sys")" \
      'BEGIN { printf "%s %s %.3f %.0f\n", fs, c, (b - a) * 1000, (u + s) * 1000 }' >>"$results"
  fi
}

# cached_steps: how many "Using cache" lines the last run printed (both tools print them).
cached_steps() { grep -c -- '--> Using cache' "$BUILD_BENCH_OUT" || true; }

# Unmounts whatever is mounted at or below $1 (c/storage's overlay home, layer mounts).
umount_under() {
  awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo |
    sort -r | xargs -r -n 1 umount -l 2>/dev/null || true
}

# ---- the two builders --------------------------------------------------------------------

# buildah_setup DIR RUNROOT: a fresh storage with the base image (untimed). Tries overlay,
# falls back to vfs (and says so).
buildah_setup() {
  local root=$1 runroot=$2 driver
  for driver in ${buildah_driver:-overlay vfs}; do
    umount_under "$root"
    rm -rf "$root" "$runroot"
    mkdir -p "$root" "$runroot"
    if skopeo --insecure-policy copy -q "oci:$layout:$ref" \
      "containers-storage:[$driver@$root+$runroot]$ref" >>"$work/setup.log" 2>&1; then
      if [[ -z ${buildah_driver:-} ]]; then
        buildah_driver=$driver
        [[ $driver == overlay ]] || notes+=("buildah: overlay failed, $driver used")
      fi
      buildah_args=(--root "$root" --runroot "$runroot" --storage-driver "$driver")
      return 0
    fi
  done
  tail -n 20 "$work/setup.log" >&2
  die "could not load the base image into buildah's storage"
}

buildah_build() {
  timed "$fs" "$1" "$2" buildah "${buildah_args[@]}" bud --isolation chroot --layers \
    --pull=never -t "$tag" "$ctx"
}

berth_setup() {
  rm -rf "$1"
  "$berth" --root "$1" load -i "$layout" >>"$work/setup.log"
  berth_store=$1
}

berth_build() {
  timed "$fs" "$1" "$2" "$berth" --root "$berth_store" build -t "$tag" "$ctx"
}

# round FS RECORD: cold and no-change builds with each tool, interleaved.
round() {
  local record=$2 n
  buildah_setup "$base/buildah" "$tmpfs/run-$fs"
  sync -f "$base"
  buildah_build buildah-cold "$record"
  buildah_build buildah-again "$record"
  n=$(cached_steps)
  ((n == steps - 1)) || notes+=("buildah no-change rebuild on $fs: $n of $((steps - 1)) steps cached")
  umount_under "$base/buildah"
  rm -rf "$base/buildah" "$tmpfs/run-$fs"
  ((have_berth_build)) || return 0
  berth_setup "$base/berth"
  sync -f "$base"
  berth_build berth-cold "$record"
  berth_build berth-again "$record"
  n=$(cached_steps)
  ((n == steps - 1)) || notes+=("berth no-change rebuild on $fs: $n of $((steps - 1)) steps cached")
  umount_under "$base/berth"
  rm -rf "$base/berth"
}

# ---- the report -------------------------------------------------------------------------

readonly col_width=29

cell() { # FS CASE
  local m p c
  m=$(stat_of "$1" "$2" median)
  p=$(stat_of "$1" "$2" p90)
  c=$(stat_of "$1" "$2" median 4)
  if [[ -n $m ]]; then printf '%8s %8s %7.0f%5s' "$m" "$p" "$c" ''; else printf '%8s %8s %7s%5s' - - - ''; fi
}

ratio() { # FS A B: median(A) / median(B)
  awk -v a="$(stat_of "$1" "$2" median)" -v b="$(stat_of "$1" "$3" median)" \
    'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a / b; else printf "-" }'
}

row() { # LABEL CASE
  local line fs
  line=$(printf '%-26s' "$1")
  for fs in "${filesystems[@]}"; do line+=$(cell "$fs" "$2"); done
  echo "$line"
}

target_row() { # LABEL TEXT-FUNCTION TARGET
  local line fs
  line=$(printf '%-26s' "$1")
  for fs in "${filesystems[@]}"; do
    line+=$(printf "%-${col_width}s" "   $($2 "$fs") ($3)")
  done
  echo "$line"
}

cold_ratio() { ratio "$1" berth-cold buildah-cold; }
again_ms() {
  local m
  m=$(stat_of "$1" berth-again median)
  if [[ -n $m ]]; then echo "$m ms"; else echo "-"; fi
}

report() {
  local fs head1 head2 c
  printf '\nbuild of a %d-step Containerfile (FROM busybox stand-in, 4 RUN, COPY of %d files,\n' \
    "$steps" "$nfiles"
  printf 'ENV, WORKDIR, CMD), cold and with nothing changed; 1 warm-up + %d rounds\n' "$runs"
  head1=$(printf '%-26s' '')
  head2=$(printf '%-26s' 'ms')
  for fs in "${filesystems[@]}"; do
    if [[ $fs == disk ]]; then c="disk ($disk_fs)"; else c=tmpfs; fi
    head1+=$(printf "   %-$((col_width - 3))s" "$c")
    head2+=$(printf '%8s %8s %7s%5s' median p90 cpu '')
  done
  echo "$head1"
  echo "$head2"
  row "buildah bud (cold)" buildah-cold
  row "berth build (cold)" berth-cold
  row "buildah bud (no change)" buildah-again
  row "berth build (no change)" berth-again
  target_row "berth / buildah, cold" cold_ratio "target <= 0.5x"
  target_row "berth, no change" again_ms "target < 100 ms"
  printf 'cpu: median user+system ms of the processes the timing shell reaped\n'
  if ((!have_berth_build)); then
    printf 'berth: no `berth build` in %s (%s): buildah only\n' "$berth" "$berth_version"
  else
    printf 'berth: %s (%s, %s)\n' "$berth_version" "$berth" \
      "$(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?')"
  fi
  printf '%s (storage driver %s, isolation chroot, --layers); kernel %s\n' \
    "$(buildah --version | awk '{ print $1, $3 }')" "${buildah_driver:-?}" "$(uname -r)"
  ((${#notes[@]} == 0)) || printf 'note: %s\n' "${notes[@]}"
  printf 'load average: %s at start, %s at end; %s to %s\n' "$load_start" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$date_start" "$(date -u '+%H:%M UTC')"
  printf 'wall ms, min / median / max:\n'
  for fs in "${filesystems[@]}"; do
    for c in buildah-cold buildah-again berth-cold berth-again; do
      [[ -n $(stat_of "$fs" "$c" median) ]] || continue
      printf '  %-6s %-14s %s / %s / %s\n' "$fs" "$c" "$(stat_of "$fs" "$c" min)" \
        "$(stat_of "$fs" "$c" median)" "$(stat_of "$fs" "$c" max)"
    done
  done
}

# ---- main -------------------------------------------------------------------------------

cleanup() {
  local rc=$?
  set +eu
  [[ -n ${work:-} ]] && umount_under "$work"
  if [[ -n ${tmpfs:-} ]]; then
    umount_under "$tmpfs"
    rmdir "$tmpfs" 2>/dev/null
  fi
  if [[ -n ${work:-} ]]; then
    ((rc == 0)) && cp "$results" "$bench_dir/results.txt" 2>/dev/null
    rm -rf -- "$work"
  fi
  exit "$rc"
}

# The measuring half runs in a private mount namespace: the tmpfs and whatever buildah
# leaves mounted cannot outlive it.
inner() {
  work=$(mktemp -d "$bench_dir/run.XXXXXX")
  tmpfs=$(mktemp -d /run/berth-build-bench.XXXXXX)
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  mount -t tmpfs -o size=2g,mode=0700 berth-build-bench "$tmpfs"
  results=$work/results.txt
  export BUILD_BENCH_OUT=$work/out.log
  layout=$work/layout
  ctx=$work/context
  load_start=$(cut -d' ' -f1-3 /proc/loadavg)
  date_start=$(date -u '+%Y-%m-%d %H:%M')
  disk_fs=$(findmnt -n -o FSTYPE -T "$bench_dir")
  notes=()
  : >"$results"
  log "building the base image (tests/fixtures/make-busybox-image.sh) and the context"
  "$repo/tests/fixtures/make-busybox-image.sh" "$layout" "$ref" >>"$work/setup.log"
  write_context "$ctx"
  steps=$(grep -c -E '^(FROM|RUN|COPY|ENV|WORKDIR|CMD) ' "$ctx/Containerfile")

  local i
  for fs in "${filesystems[@]}"; do
    if [[ $fs == tmpfs ]]; then base=$tmpfs/fs; else base=$work/disk; fi
    mkdir -p "$base/tmp"
    export TMPDIR=$base/tmp
    log "$fs: warm-up round"
    round "$fs" 0
    for ((i = 1; i <= runs; i++)); do
      log "$fs: round $i of $runs"
      round "$fs" 1
    done
    rm -rf -- "$base"
  done
  report
}

find_berth() {
  if [[ -z $berth ]]; then
    if [[ -f $repo/build/build.ninja ]]; then
      log "bringing berth up to date: ninja -C $repo/build berth"
      ninja -C "$repo/build" berth >&2 || die "building berth failed"
    fi
    berth=$repo/build/cli/berth
  fi
  have_berth_build=0
  berth_version=none
  if berth=$(command -v "$berth"); then
    berth=$(readlink -f "$berth")
    berth_version=$("$berth" --version 2>/dev/null | head -n 1)
    "$berth" build --help 2>/dev/null | grep -q 'Usage: berth build' && have_berth_build=1
  else
    berth=berth
  fi
  ((have_berth_build || ${BERTH_BUILD_BENCH_IN_NS:-0})) ||
    log "no \`berth build\` ($berth): timing buildah only"
}

main() {
  [[ $(id -u) -eq 0 ]] || die "needs root (namespaces, mounts)"
  if [[ ${BERTH_BUILD_BENCH_IN_NS:-0} == 1 ]]; then
    find_berth
    inner
    return
  fi
  install_missing buildah skopeo jq
  local tool
  for tool in buildah skopeo jq unshare findmnt awk; do
    command -v "$tool" >/dev/null || die "$tool not found"
  done
  find_berth
  mkdir -p "$bench_dir"
  BERTH_BUILD_BENCH_IN_NS=1 exec unshare -m --propagation private "$script" \
    --runs "$runs" --fs "$fs_list" --berth "$berth" --files "$nfiles"
}

main
