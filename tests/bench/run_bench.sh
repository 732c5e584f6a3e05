#!/usr/bin/env bash
# run_bench.sh: times the start of a container that does nothing (`/bin/true` of the
# busybox stand-in image) with `berth run --rm`, `crun run` of a prepared OCI bundle,
# `podman run --rm` and, as a floor, `unshare -pmuin chroot`, on disk and on a tmpfs, and
# prints median and p90 wall time and the ratios the performance targets are stated in
# (berth/crun <= 1.5x, berth/podman <= 0.1x); then the resident memory of the process that
# owns a detached container (berth-monitor against podman's conmon). It reports the
# targets, it does not enforce them. See tests/bench/README.md.
#
# usage: tests/bench/run_bench.sh [--runs N] [--fs LIST] [--berth PATH]
#   --runs N      measured runs per case after one warm-up (default 20)
#   --fs LIST     filesystems to run on, comma-separated: disk, tmpfs (default disk,tmpfs)
#   --berth PATH  berth binary, with berth-monitor next to it (default: $BERTH, else
#                 <repo>/build/cli/berth, brought up to date first with
#                 `ninja -C <repo>/build berth berth-monitor`)
# env: BERTH_BENCH_DIR  work dir on the disk under test (default /var/tmp/berth-run-bench)
#
# Needs root. Installs what is missing with apt-get (crun, podman, umoci, skopeo,
# busybox-static, jq); also needs util-linux (unshare, nsenter). No network is used: the
# image is built offline by tests/fixtures/make-busybox-image.sh, every container gets an
# empty network namespace (berth's default, `--network none` for podman).
set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C  # EPOCHREALTIME and awk print "1.5", not "1,5"

script=$(readlink -f "${BASH_SOURCE[0]}")
repo=$(cd "$(dirname "$script")/../.." && pwd)
bench_name=run_bench
# shellcheck source=tests/bench/bench_lib.sh
. "$(dirname "$script")/bench_lib.sh"
bench_dir=${BERTH_BENCH_DIR:-/var/tmp/berth-run-bench}
readonly ref=localhost/berth-bench/busybox:latest
runs=20
fs_list=disk,tmpfs
berth=${BERTH:-}

usage() {
  sed -n '2,22p' "$script" | sed 's/^# \{0,1\}//' >&2
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
    *) usage ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $fs_list =~ ^(disk|tmpfs)(,(disk|tmpfs))?$ ]] || usage
IFS=, read -r -a filesystems <<<"$fs_list"

# ---- measuring --------------------------------------------------------------------------
#
# Every run goes through `bash -c "$timer" _ CMD...`: the clock is read in that shell right
# around CMD, so the cost of getting there (nsenter into namespace B for crun and podman,
# below) is not in the figure, and every case pays the same fork+exec from bash. `times`
# then prints the CPU time (user + system) of the processes that shell waited for: CMD and
# every descendant reaped inside it. That covers berth, crun and unshare with their
# containers, but not podman's conmon (it daemonizes) nor what conmon starts (crun, the
# `podman container cleanup` of --rm): podman's CPU figure is a lower bound.
# shellcheck disable=SC2016  # expands in the inner shell
readonly timer='t0=$EPOCHREALTIME; "$@" </dev/null >>"$RUN_BENCH_LOG" 2>&1; rc=$?
t1=$EPOCHREALTIME; echo "$t0 $t1 $rc"; times'

# Namespace B: crun 1.8 refuses hybrid cgroups ("drop all controllers from cgroupv2"), so
# crun and podman (which runs crun) run in a mount namespace of their own where a tmpfs
# hides /sys/fs/cgroup/unified (they see pure v1), /run/crun (crun's default state dir,
# which podman's cleanup uses) and /dev/shm (podman's lock file) are empty tmpfs, and what
# podman leaves mounted (<root>/overlay) stays. One per filesystem; killing its holder
# process drops all of it. berth runs outside it and sees the machine's real cgroups.
start_ns_b() {
  # shellcheck disable=SC2016
  unshare -m --propagation private bash -c '
    mount -t tmpfs -o size=1m,mode=0755 run-bench-cg /sys/fs/cgroup/unified &&
    mount -t tmpfs -o size=1m,mode=0700 run-bench-crun /run/crun &&
    mount -t tmpfs -o size=64m,mode=1777 run-bench-shm /dev/shm &&
    exec sleep infinity' </dev/null >>"$work/ns-b.log" 2>&1 &
  holder=$!
  local i
  for ((i = 0; i < 100; i++)); do
    [[ $(cat "/proc/$holder/comm" 2>/dev/null) == sleep ]] && return 0
    kill -0 "$holder" 2>/dev/null || break
    sleep 0.05
  done
  cat "$work/ns-b.log" >&2
  die "could not set up the mount namespace for crun and podman"
}

stop_ns_b() {
  [[ -n ${holder:-} ]] || return 0
  kill "$holder" 2>/dev/null || true
  wait "$holder" 2>/dev/null || true
  holder=
}

in_b() { nsenter --mount="/proc/$holder/ns/mnt" -- "$@"; }

# case_cmd CASE: sets cmd to one run of CASE on the current filesystem ($base).
case_cmd() {
  case $1 in
    berth) cmd=(bash -c "$timer" _ "$berth" --root "$base/berth" run --rm "$ref" /bin/true) ;;
    crun)
      crun_n=$((crun_n + 1))
      cmd=(in_b bash -c "$timer" _ crun --root "$crun_root" run --bundle "$base/bundle"
        "$tag-$crun_n")
      ;;
    podman)
      cmd=(in_b bash -c "$timer" _ podman "${podman_args[@]}"
        run --rm --network none --pull never "$ref" /bin/true)
      ;;
    chroot) cmd=(bash -c "$timer" _ unshare --fork -pmuin chroot "$base/bundle/rootfs" /bin/true) ;;
    version) cmd=(bash -c "$timer" _ "$berth" --version) ;;
  esac
}

readonly cases=(berth crun podman chroot version)

# run_case FS CASE RECORD: one run; if RECORD, appends "FS CASE wall_ms cpu_ms" to
# $results.
run_case() {
  local fs=$1 name=$2 record=$3 out t0 t1 rc user sys
  case_cmd "$name"
  : >"$cmdlog"
  out=$("${cmd[@]}") || true
  read -r t0 t1 rc <<<"$(sed -n 1p <<<"$out")"
  if [[ ${rc:-x} != 0 ]]; then
    log "$fs $name failed (exit ${rc:-?}): ${cmd[*]}"
    sed 's/^/  /' "$cmdlog" >&2
    return 1
  fi
  # Line 3 of the output: the children's user and system time.
  read -r user sys <<<"$(sed -n 3p <<<"$out")"
  if ((record)); then
    awk -v fs="$fs" -v c="$name" -v a="$t0" -v b="$t1" -v u="$(seconds_of "$user")" \
      -v s="$(seconds_of "$sys")" \
      'BEGIN { printf "%s %s %.3f %.0f\n", fs, c, (b - a) * 1000, (u + s) * 1000 }' >>"$results"
  fi
}

# ---- setting up one filesystem ----------------------------------------------------------

write_confs() {
  mkdir -p "$conf" "$tmpfs/cni"
  printf 'unqualified-search-registries = []\n' >"$conf/registries.conf"
  printf '{"default": [{"type": "insecureAcceptAnything"}]}\n' >"$conf/policy.json"
  cat >"$conf/containers.conf" <<EOF
# run_bench.sh: what podman needs on this kind of machine (hybrid cgroups, no
# CAP_SYS_RESOURCE, NOFILE and NPROC hard limits below podman's default of 1048576 for
# both); nothing under /etc is written.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[network]
network_config_dir = "$tmpfs/cni"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$tmpfs/podman-events.log"
runtime = "crun"
EOF
  cat >"$conf/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$tmpfs/podman-run-unused"
graphroot = "$conf/podman-graph-unused"
EOF
  export CONTAINERS_CONF=$conf/containers.conf
  export CONTAINERS_REGISTRIES_CONF=$conf/registries.conf
  export CONTAINERS_STORAGE_CONF=$conf/storage.conf
}

# The OCI bundle for crun: umoci's rootfs and runtime config, with /bin/true, no terminal
# and a cgroup namespace (berth makes one too). umoci's config has no seccomp filter and
# berth at this point loads none either; podman loads its default profile.
make_bundle() {
  umoci unpack --image "$layout:$ref" "$base/bundle" >>"$work/setup.log"
  jq '.process.args = ["/bin/true"] | .process.terminal = false | .hostname = "bench"
      | .linux.namespaces += [{type: "cgroup"}]' \
    "$base/bundle/config.json" >"$base/bundle/config.json.new"
  mv "$base/bundle/config.json.new" "$base/bundle/config.json"
}

# The image into podman's storage: skopeo from the layout (in B: c/storage mounts there).
load_podman() {
  local driver
  for driver in overlay vfs; do
    rm -rf "$base/podman"
    if in_b skopeo --policy "$conf/policy.json" copy -q "oci:$layout:$ref" \
      "containers-storage:[$driver@$base/podman+$podman_run]$ref" >>"$work/setup.log" 2>&1; then
      podman_driver=$driver
      [[ $driver == overlay ]] || podman_notes+=("$fs: overlay failed, $driver used")
      return 0
    fi
    log "$fs: loading the image into podman's storage with driver $driver failed"
    # c/storage may have mounted its driver home in B: a fresh B for the next attempt.
    stop_ns_b
    start_ns_b
  done
  tail -n 20 "$work/setup.log" >&2
  die "could not load the image into podman's storage"
}

setup_fs() {
  fs=$1
  if [[ $fs == tmpfs ]]; then base=$tmpfs/fs; else base=$work/disk; fi
  podman_run=$tmpfs/podman-run-$fs
  podman_tmp=$tmpfs/podman-tmp-$fs
  mkdir -p "$base" "$podman_run" "$podman_tmp"
  log "$fs: berth load, umoci unpack, skopeo copy into podman's storage"
  "$berth" --root "$base/berth" load -i "$layout" >>"$work/setup.log"
  make_bundle
  start_ns_b
  load_podman
  podman_used[$fs]=$podman_driver
  podman_args=(--root "$base/podman" --runroot "$podman_run" --tmpdir "$podman_tmp"
    --storage-driver "$podman_driver")
}

teardown_fs() {
  stop_ns_b  # podman's mounts go with B
  rm -rf -- "$base"
}

# ---- memory of a detached container's owner ---------------------------------------------

# mem_of PID: "VmRSS RssAnon Pss" in KiB. RssAnon is what one more container adds when many
# run (the file pages, binary and libraries, are shared with the next one's monitor).
mem_of() {
  echo "$(awk '/^(VmRSS|RssAnon):/ { printf "%s ", $2 }' "/proc/$1/status")" \
    "$(awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup")"
}

measure_memory() {
  local pid
  log "$fs: memory of berth-monitor and conmon (run -d ... sleep 30)"
  berth_detached=$("$berth" --root "$base/berth" run -d "$ref" sleep 30)
  sleep 1
  pid=$(jq -r .MonitorPid "$base/berth/containers/$berth_detached/state.json")
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == berth-monitor ]] ||
    die "no berth-monitor at pid $pid (MonitorPid of $berth_detached)"
  mem_monitor=$(mem_of "$pid")
  "$berth" --root "$base/berth" rm -f "$berth_detached" >>"$work/setup.log"
  berth_detached=

  podman_detached=$(in_b podman "${podman_args[@]}" run -d --network none --pull never \
    "$ref" sleep 30)
  sleep 1
  pid=$(in_b podman "${podman_args[@]}" inspect --format '{{.State.ConmonPid}}' \
    "$podman_detached")
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == conmon ]] ||
    die "no conmon at pid $pid (ConmonPid of $podman_detached)"
  mem_conmon=$(mem_of "$pid")
  in_b podman "${podman_args[@]}" rm -f -t 0 "$podman_detached" >>"$work/setup.log"
  podman_detached=
}

# ---- the report -------------------------------------------------------------------------

readonly col_width=29

cell() { # FS CASE: "  123.4    150.2     45"
  local m p c
  m=$(stat_of "$1" "$2" median)
  p=$(stat_of "$1" "$2" p90)
  c=$(stat_of "$1" "$2" median 4)
  if [[ -n $m ]]; then printf '%8s %8s %7.0f%5s' "$m" "$p" "$c" ''; else printf '%8s %8s %7s%5s' - - - ''; fi
}

ratio() { # FS A B: median(A) / median(B)
  awk -v a="$(stat_of "$1" "$2" median)" -v b="$(stat_of "$1" "$3" median)" \
    'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "-" }'
}

row() { # LABEL CASE
  local line fs
  line=$(printf '%-26s' "$1")
  for fs in "${filesystems[@]}"; do line+=$(cell "$fs" "$2"); done
  echo "$line"
}

ratio_row() { # LABEL A B TARGET
  local line fs
  line=$(printf '%-26s' "$1")
  for fs in "${filesystems[@]}"; do
    line+=$(printf "%-${col_width}s" "   $(ratio "$fs" "$2" "$3") ($4)")
  done
  echo "$line"
}

kib() { awk -v k="$1" 'BEGIN { printf "%.2f MiB", k / 1024 }'; }

report() {
  local fs head1 head2 c
  printf '\ncontainer start: "run --rm %s /bin/true", 1 warm-up + %d runs\n' "$ref" "$runs"
  head1=$(printf '%-26s' '')
  head2=$(printf '%-26s' 'ms')
  for fs in "${filesystems[@]}"; do
    if [[ $fs == disk ]]; then c="disk ($disk_fs)"; else c=tmpfs; fi
    head1+=$(printf "   %-$((col_width - 3))s" "$c")
    head2+=$(printf '%8s %8s %7s%5s' median p90 cpu '')
  done
  echo "$head1"
  echo "$head2"
  row "berth run --rm" berth
  row "crun run (bundle)" crun
  row "podman run --rm (cpu>=)" podman
  row "unshare+chroot (floor)" chroot
  row "berth --version" version
  ratio_row "berth / crun" berth crun "target <= 1.5x"
  ratio_row "berth / podman" berth podman "target <= 0.1x"
  printf 'cpu: median user+system ms of the processes the timing shell reaped (for podman\n'
  printf 'without conmon, the crun it runs and the cleanup podman: a lower bound)\n'
  printf '\nthe process that owns a detached container ("run -d %s sleep 30"), on %s:\n' \
    "$ref" "${filesystems[0]}"
  read -r rss anon pss <<<"$mem_monitor"
  printf '%-26sVmRSS %s, RssAnon %s, Pss %s\n' berth-monitor "$(kib "$rss")" "$(kib "$anon")" \
    "$(kib "$pss")"
  read -r rss anon pss <<<"$mem_conmon"
  printf '%-26sVmRSS %s, RssAnon %s, Pss %s\n' "conmon (podman run -d)" "$(kib "$rss")" \
    "$(kib "$anon")" "$(kib "$pss")"
  printf '\nberth: %s (%s, %s)\n' "$("$berth" --version 2>/dev/null | head -n 1)" "$berth" \
    "$(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?')"
  printf '%s; podman %s (storage driver %s); %s; umoci %s; kernel %s\n' \
    "$(crun --version | head -n 1)" "$(podman --version | awk '{ print $3 }')" \
    "$(for fs in "${filesystems[@]}"; do printf '%s%s %s' "${sep:-}" "$fs" "${podman_used[$fs]}"; sep=', '; done)" \
    "$(conmon --version | head -n 1)" "$(umoci --version | awk '{ print $3 }')" "$(uname -r)"
  ((${#podman_notes[@]} == 0)) || printf 'podman: %s\n' "${podman_notes[*]}"
  printf 'load average: %s at start, %s at end; %s to %s\n' "$load_start" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$date_start" "$(date -u '+%H:%M UTC')"
  printf 'wall ms, min / median / max:\n'
  for fs in "${filesystems[@]}"; do
    for c in "${cases[@]}"; do
      printf '  %-6s %-8s %s / %s / %s\n' "$fs" "$c" "$(stat_of "$fs" "$c" min)" \
        "$(stat_of "$fs" "$c" median)" "$(stat_of "$fs" "$c" max)"
    done
  done
}

# ---- main -------------------------------------------------------------------------------

cleanup() {
  local rc=$? c
  set +eu
  if [[ -n ${berth_detached:-} ]]; then
    "$berth" --root "$base/berth" rm -f "$berth_detached" >/dev/null 2>&1
  fi
  if [[ -n ${holder:-} ]]; then
    if [[ -n ${podman_detached:-} ]]; then
      in_b podman "${podman_args[@]}" rm -f -t 0 "$podman_detached" >/dev/null 2>&1
    fi
    for c in $(in_b crun --root "$crun_root" list -q 2>/dev/null); do
      in_b crun --root "$crun_root" delete -f "$c" >/dev/null 2>&1
    done
    stop_ns_b
  fi
  # Anything berth left mounted in this namespace (it should leave nothing).
  if [[ -n ${work:-} ]]; then
    awk -v w="$work/" -v t="${tmpfs:-/nonexistent}/" \
      'index($5, w) == 1 || (index($5, t) == 1) { print $5 }' /proc/self/mountinfo |
      sort -r | xargs -r -n 1 umount -l 2>/dev/null
  fi
  # crun's cgroups are named after the container ids; podman's parent only if we made it.
  for c in /sys/fs/cgroup/*/"$tag"-*; do [[ -d $c ]] && rmdir "$c" 2>/dev/null; done
  if ((!had_libpod_parent)); then
    for c in /sys/fs/cgroup/*/libpod_parent; do
      [[ -d $c ]] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
    done
  fi
  if ((!had_run_crun)); then rmdir /run/crun 2>/dev/null; fi
  if [[ -n ${tmpfs:-} ]]; then
    umount "$tmpfs" 2>/dev/null
    rmdir "$tmpfs" 2>/dev/null
  fi
  if [[ -n ${work:-} ]]; then
    ((rc == 0)) && cp "$results" "$bench_dir/results.txt" 2>/dev/null
    rm -rf -- "$work"
  fi
  exit "$rc"
}

# The measuring half runs in a private mount namespace: the tmpfs and anything left mounted
# cannot outlive it.
inner() {
  # Globals, not locals: the EXIT trap needs them after an error anywhere.
  had_libpod_parent=0
  [[ -d /sys/fs/cgroup/memory/libpod_parent ]] && had_libpod_parent=1
  had_run_crun=1
  holder='' berth_detached='' podman_detached='' crun_n=0
  work=$(mktemp -d "$bench_dir/run.XXXXXX")
  # Short: podman refuses a --runroot (kept on the tmpfs) of over 50 characters.
  tmpfs=$(mktemp -d /run/berth-run-bench.XXXXXX)
  tag=berth-run-bench-${tmpfs##*.}
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  if [[ ! -d /run/crun ]]; then
    had_run_crun=0
    mkdir -p /run/crun  # B mounts a tmpfs over it; removed at exit if still empty
  fi
  mount -t tmpfs -o size=512m,mode=0700 berth-run-bench "$tmpfs"
  conf=$work/conf
  results=$work/results.txt
  cmdlog=$work/cmd.log
  export RUN_BENCH_LOG=$cmdlog
  crun_root=$tmpfs/crun
  layout=$work/layout
  load_start=$(cut -d' ' -f1-3 /proc/loadavg)
  date_start=$(date -u '+%Y-%m-%d %H:%M')
  disk_fs=$(findmnt -n -o FSTYPE -T "$bench_dir")
  : >"$results"
  declare -gA podman_used=()
  podman_notes=()
  write_confs
  log "building the image (tests/fixtures/make-busybox-image.sh)"
  "$repo/tests/fixtures/make-busybox-image.sh" "$layout" "$ref" >>"$work/setup.log"

  local i c first=1
  for fs in "${filesystems[@]}"; do
    setup_fs "$fs"
    log "$fs: warm-up round"
    for c in "${cases[@]}"; do run_case "$fs" "$c" 0; done
    for ((i = 1; i <= runs; i++)); do
      ((i % 5 == 0 || i == runs)) && log "$fs: round $i of $runs"
      # Untimed: flush what the last round wrote, so one run's writeback is not the next's.
      sync -f "$base"
      for c in "${cases[@]}"; do run_case "$fs" "$c" 1; done
    done
    if ((first)); then
      measure_memory
      first=0
    fi
    teardown_fs
  done
  report
}

find_berth() {
  if [[ -z $berth ]]; then
    [[ -f $repo/build/build.ninja ]] ||
      die "no $repo/build: configure it (cmake -S . -B build -G Ninja) or pass --berth"
    log "bringing berth up to date: ninja -C $repo/build berth berth-monitor"
    ninja -C "$repo/build" berth berth-monitor >&2 || die "building berth failed"
    berth=$repo/build/cli/berth
  fi
  berth=$(command -v "$berth") || die "berth binary not found (use --berth or BERTH)"
  berth=$(readlink -f "$berth")
  [[ -x ${BERTH_MONITOR:-$(dirname "$berth")/berth-monitor} ]] ||
    die "berth-monitor not found next to $berth (or set BERTH_MONITOR)"
}

main() {
  [[ $(id -u) -eq 0 ]] || die "needs root (namespaces, mounts, cgroups)"
  if [[ ${BERTH_RUN_BENCH_IN_NS:-0} == 1 ]]; then
    inner
    return
  fi
  install_missing crun podman conmon umoci skopeo jq
  local tool
  for tool in crun podman conmon umoci skopeo jq unshare nsenter chroot findmnt awk; do
    command -v "$tool" >/dev/null || die "$tool not found"
  done
  find_berth
  mkdir -p "$bench_dir"
  BERTH_RUN_BENCH_IN_NS=1 exec unshare -m --propagation private "$script" \
    --runs "$runs" --fs "$fs_list" --berth "$berth"
}

main
