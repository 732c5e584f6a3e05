#!/usr/bin/env bash
# pull_bench.sh: times `berth pull` against `skopeo copy docker:// oci:` (download + verify)
# and `podman pull` (download + unpack into its own storage) of one multi-layer image from
# the local "Docker Hub in a box" registry into an empty store, on a tmpfs and on disk, and
# prints median wall time, peak memory and the ratios the performance targets are stated
# in (berth/skopeo on tmpfs <= 1.5x, berth/podman on disk <= 0.5x, berth re-pull < 50 ms).
# It reports the targets, it does not enforce them. See tests/bench/README.md.
#
# usage: tests/bench/pull_bench.sh [--runs N] [--size-mb M] [--berth PATH | --head] [--keep]
#   --runs N      measured runs per case after one warm-up (default 3; median reported)
#   --size-mb M   unpacked size of the generated image in MiB (default 192; the targets
#                 are stated for >= 150)
#   --berth PATH  berth binary (default: $BERTH, else a Release build of the work tree made
#                 now in <repo>/build-bench with scripts/build.sh)
#   --head        build the committed HEAD instead of the work tree (git archive into
#                 $BERTH_BENCH_DIR/src-<commit>, built there; kept for the next run)
#   --keep        keep the berth store of the last disk run
# env: BERTH_BENCH_DIR  work dir on the disk under test (default /var/tmp/berth-pull-bench);
#                       the generated image is cached there, the registry stores its copy
#                       there too
#      BERTH_BENCH_TMPFS_SIZE  size of the tmpfs (default 4 x the image + 512 MiB)
#
# Needs root (tmpfs and podman's mounts in private mount namespaces). Installs podman with
# apt-get when it is missing; also needs skopeo, docker-registry, nginx-light, python3,
# curl, jq, gzip, GNU tar, openssl, util-linux (unshare) and GNU time (/usr/bin/time).
set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C  # EPOCHREALTIME and awk print "1.5", not "1,5"

readonly image_version=v1  # bump when the generated image changes
script=$(readlink -f "${BASH_SOURCE[0]}")
repo=$(cd "$(dirname "$script")/../.." && pwd)
bench_name=pull_bench
# shellcheck source=tests/bench/bench_lib.sh
. "$(dirname "$script")/bench_lib.sh"
hub=$repo/tests/fixtures/hub
bench_dir=${BERTH_BENCH_DIR:-/var/tmp/berth-pull-bench}
runs=3
size_mb=192
keep=0
head=0
berth=${BERTH:-}

usage() {
  sed -n '2,25p' "$script" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while (($#)); do
  case $1 in
    --runs) runs=${2:-}; shift 2 || usage ;;
    --runs=*) runs=${1#*=}; shift ;;
    --size-mb) size_mb=${2:-}; shift 2 || usage ;;
    --size-mb=*) size_mb=${1#*=}; shift ;;
    --berth) berth=${2:-}; shift 2 || usage ;;
    --berth=*) berth=${1#*=}; shift ;;
    --head) head=1; shift ;;
    --keep) keep=1; shift ;;
    *) usage ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $size_mb =~ ^[1-9][0-9]*$ ]] || usage
((size_mb >= 16)) || { echo "pull_bench: --size-mb must be at least 16" >&2; exit 2; }
tmpfs_size=${BERTH_BENCH_TMPFS_SIZE:-$((size_mb * 4 + 512))m}
image=$bench_dir/image-$image_version-${size_mb}m

# ---- the image --------------------------------------------------------------------------
#
# Five gzip layers, sizes as fractions of --size-mb:
#   1  35%  an "OS" layer: files of this host's /usr/bin, /usr/lib/x86_64-linux-gnu (real
#           ELF binaries and libraries) and /usr/lib/python3* (source text), taken in path
#           order up to the budget, files over 8 MiB skipped
#   2  15%  a "runtime": thousands of 1-16 KiB text files (hex dump of random bytes)
#   3  30%  "data": four incompressible files (AES-CTR stream)
#   4  20%  an "app": two big hex-dump text files and 200 incompressible 16-80 KiB files
#   5   -   a small config layer (a few text files, one whiteout)
# Everything but layer 1 is the same on every machine; layer 1 is the same as long as this
# host's packages are. The layout is cached in $image.

# stream BYTES SEED: deterministic pseudo-random bytes (AES-CTR of zeros). openssl reads a
# finite input, so no stage of the pipeline dies of SIGPIPE (which pipefail would report).
stream() {
  head -c "$1" /dev/zero | openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass "pass:berth-pull-bench-$2"
}

# hex_text BYTES SEED: about BYTES of hex-dump text (od writes 49 bytes per 16 read), which
# compresses about 2.5:1.
hex_text() {
  stream $(($1 * 16 / 49 + 16)) "$2" | od -An -tx1 -v
}

# small_text_files ROOT BYTES SEED: text files of 1-16 KiB (sizes from a Park-Miller
# generator, the same in every awk) filling about BYTES, 100 to a directory.
small_text_files() {
  local root=$1 bytes=$2 seed=$3
  hex_text "$((bytes + 65536))" "$seed" |
    awk -v root="$root" -v budget="$bytes" -v seed="$seed" '
      function next_rand() { x = (x * 16807) % 2147483647; return x }
      BEGIN { x = 12345 + seed; made = 0; total = 0; want = -1; done = 0 }
      {
        if (done) next  # drain the input: an early exit would SIGPIPE the writers
        if (want < 0) {
          dir = sprintf("%s/pkg%02d/mod%d", root, int(made / 1000), int(made / 100) % 10)
          if (!(dir in dirs)) { system("mkdir -p " dir); dirs[dir] = 1 }
          file = sprintf("%s/f%03d.txt", dir, made % 100)
          want = 1024 + next_rand() % 15361; have = 0
        }
        line = $0 "\n"
        if (have + length(line) >= want) {
          printf "%s", substr(line, 1, want - have) > file
          close(file); made++; total += want; want = -1
          if (total >= budget) done = 1
        } else {
          printf "%s", line > file; have += length(line)
        }
      }'
}

# host_files LIST BYTES: writes to LIST the paths (relative to /, with every parent
# directory) of the layer-1 files taken from this host.
host_files() {
  local list=$1 bytes=$2 py
  py=$(cd / && find usr/lib -maxdepth 1 -name 'python3*' -type d | LC_ALL=C sort | head -n 1)
  {
    for spec in "usr/bin 40" "usr/lib/x86_64-linux-gnu 40" "${py:-usr/share} 20"; do
      read -r dir pct <<<"$spec"
      [[ -d /$dir ]] || continue
      (cd / && find "$dir" -xdev \( -type f -o -type l \) -printf '%s %p\n') |
        LC_ALL=C sort -k2 |
        awk -v budget=$((bytes * pct / 100)) '
          done || $1 > 8388608 { next }  # no early exit: sort would die of SIGPIPE
          { sum += $1; print $2; if (sum >= budget) done = 1 }'
    done
  } | awk '{ print; n = split($0, p, "/"); d = p[1]; print d
             for (i = 2; i < n; i++) { d = d "/" p[i]; print d } }' |
    LC_ALL=C sort -u >"$list"
}

build_image() {
  if [[ -f $image/VERSION && $(<"$image/VERSION") == "$image_version" ]]; then
    return
  fi
  log "building the bench image (once; cached in $image)"
  local work=$image.tmp
  fast_rm "$image"
  fast_rm "$work"
  mkdir -p "$work/blobs/sha256" "$work/tars"
  local budget=$((size_mb * 1048576)) t=$work/trees i
  # 1: from this host (tarred straight from /, no copy).
  host_files "$work/host.list" $((budget * 35 / 100))
  tar -C / --format=gnu --mtime=@1700000000 --owner=0 --group=0 --numeric-owner \
    --no-acls --no-xattrs --no-selinux --no-recursion --verbatim-files-from \
    -T "$work/host.list" -cf "$work/tars/1"
  # 2: small text files.
  mkdir -p "$t/2/usr/local/lib/bench"
  small_text_files "$t/2/usr/local/lib/bench" $((budget * 15 / 100)) 2
  # 3: incompressible data.
  mkdir -p "$t/3/srv/data"
  for i in 0 1 2 3; do stream $((budget * 30 / 100 / 4)) "data$i" >"$t/3/srv/data/blob$i.bin"; done
  # 4: an app: two big text files, 200 small incompressible ones.
  mkdir -p "$t/4/opt/app/share" "$t/4/opt/app/lib"
  for i in 0 1; do
    hex_text $((budget * 15 / 100 / 2)) "text$i" >"$t/4/opt/app/share/dump$i.txt"
    truncate -s $((budget * 15 / 100 / 2)) "$t/4/opt/app/share/dump$i.txt"
  done
  local x=4242 app_bytes=0
  for ((i = 0; i < 200; i++)); do
    x=$(((x * 16807) % 2147483647))
    stream $((16384 + x % 65537)) "app$i" >"$t/4/opt/app/lib/mod$(printf %03d "$i").so"
    app_bytes=$((app_bytes + 16384 + x % 65537))
  done
  # 5: configuration, and one file of layer 2 deleted.
  mkdir -p "$t/5/etc/app" "$t/5/usr/local/lib/bench/pkg00/mod0"
  for i in 0 1 2 3 4 5 6 7; do
    printf 'key%d = value %d\nlisten = 127.0.0.1:%d\n' "$i" "$i" $((8000 + i)) >"$t/5/etc/app/conf$i.ini"
  done
  : >"$t/5/usr/local/lib/bench/pkg00/mod0/.wh.f000.txt"
  for i in 2 3 4 5; do tar_tree "$t/$i" "$work/tars/$i"; done
  {
    echo "files=$(($(grep -c . "$work/host.list") + $(find "$t" -mindepth 1 | wc -l)))"
    echo "tar_bytes=$(cat "$work"/tars/* | wc -c)"
  } >"$work/STATS"
  fast_rm "$t"
  # gzip the five layers two at a time (two cores).
  log "compressing the layers"
  local pids=()
  for i in 1 2 3 4 5; do
    gzip -n -6 "$work/tars/$i" &
    pids+=($!)
    if ((${#pids[@]} == 2)); then wait "${pids[0]}"; pids=("${pids[1]}"); fi
  done
  for i in "${pids[@]}"; do wait "$i"; done
  local layers="[]" diff_ids="[]" digest size diff_id
  for i in 1 2 3 4 5; do
    diff_id=sha256:$(gzip -dc "$work/tars/$i.gz" | sha256sum | cut -d' ' -f1)
    read -r digest size < <(add_blob "$work/tars/$i.gz" "$work/blobs/sha256")
    layers=$(jq -c --arg d "$digest" --argjson s "$size" \
      '. + [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}]' \
      <<<"$layers")
    diff_ids=$(jq -c --arg d "$diff_id" '. + [$d]' <<<"$diff_ids")
  done
  jq -cjn --argjson ids "$diff_ids" '{
      created: "2024-01-01T00:00:00Z", architecture: "amd64", os: "linux",
      config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
               Cmd: ["/bin/sh"]},
      rootfs: {type: "layers", diff_ids: $ids},
      history: [range(0; $ids | length) | {created: "2024-01-01T00:00:00Z",
                                            created_by: "pull_bench.sh layer \(. + 1)"}]
    }' >"$work/config.json"
  read -r digest size < <(add_blob "$work/config.json" "$work/blobs/sha256")
  jq -cjn --arg cd "$digest" --argjson cs "$size" --argjson layers "$layers" '{
      schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
      layers: $layers
    }' >"$work/manifest.json"
  read -r digest size < <(add_blob "$work/manifest.json" "$work/blobs/sha256")
  jq -cjn --arg md "$digest" --argjson ms "$size" '{
      schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md,
                   size: $ms, annotations: {"org.opencontainers.image.ref.name": "bench"}}]
    }' >"$work/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"
  {
    echo "gzip_bytes=$(jq '[.[].size] | add' <<<"$layers")"
    echo "layers=$(jq length <<<"$layers")"
    echo "manifest=$digest"
  } >>"$work/STATS"
  rm -rf "$work/host.list" "$work/tars"
  mkdir -p "$image"
  mv "$work/blobs" "$work/index.json" "$work/oci-layout" "$work/STATS" "$image/"
  echo "$image_version" >"$image/VERSION"
  rm -rf "$work"
}

# ---- the three pullers ------------------------------------------------------------------

# Each sets cmd to the command that pulls $ref into OUT (which must not exist), with its
# temporary files under BASE/tmp (on the fs under test).
berth_cmd() { # OUT BASE
  cmd=(env "TMPDIR=$2/tmp" "$berth" --root "$1" pull -q --cert-dir "$HUB_CERT_DIR" "$ref")
}

skopeo_cmd() { # OUT BASE
  cmd=(skopeo --policy "$conf/policy.json" --registries-conf "$conf/registries.conf"
    --tmpdir "$2/tmp" copy -q --src-cert-dir "$HUB_CERT_DIR" "docker://$ref" "oci:$1:bench")
}

# podman leaves <root>/overlay bind-mounted, so every run gets a private mount namespace
# (the mounts go with it) and a fresh --root. --runroot and --tmpdir live on the tmpfs in
# both cases: on disk they cost about 20 s a run here. TMPDIR is where c/image stages the
# blobs, on the fs under test.
podman_cmd() { # OUT BASE
  rm -rf "$tmpfs/podman-run" "$tmpfs/podman-tmp"
  mkdir -p "$tmpfs/podman-run" "$tmpfs/podman-tmp"
  cmd=(env "CONTAINERS_CONF=$conf/containers.conf"
    "CONTAINERS_REGISTRIES_CONF=$conf/registries.conf"
    "CONTAINERS_STORAGE_CONF=$conf/storage.conf" "TMPDIR=$2/tmp"
    unshare -m --propagation private
    podman --root "$1" --runroot "$tmpfs/podman-run" --tmpdir "$tmpfs/podman-tmp"
    --storage-driver "$podman_driver" pull -q --cert-dir "$HUB_CERT_DIR"
    --signature-policy "$conf/policy.json" "$ref")
}

write_confs() {
  mkdir -p "$conf"
  printf 'unqualified-search-registries = []\n' >"$conf/registries.conf"
  printf '{"default": [{"type": "insecureAcceptAnything"}]}\n' >"$conf/policy.json"
  cat >"$conf/containers.conf" <<EOF
# pull_bench.sh: what podman needs on this kind of machine (hybrid cgroups, no
# CAP_SYS_RESOURCE, NOFILE hard limit below podman's default of 1048576).
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$tmpfs/podman-events.log"
EOF
  cat >"$conf/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$tmpfs/podman-run"
graphroot = "$conf/podman-graph-unused"
EOF
}

# ---- measuring --------------------------------------------------------------------------

# timed FS CASE RECORD CMD...: runs CMD under GNU time; if RECORD, appends
# "FS CASE seconds maxrss_kib" to $results. Wall time is taken by bash (EPOCHREALTIME), to
# the millisecond; /usr/bin/time gives the peak RSS of the largest process.
timed() {
  local fs=$1 name=$2 record=$3 t0 t1
  shift 3
  t0=$EPOCHREALTIME
  if ! /usr/bin/time -o "$timing" -f '%M' "$@" >"$cmdlog" 2>&1; then
    log "$fs $name failed: $*"
    sed 's/^/  /' "$cmdlog" >&2
    return 1
  fi
  t1=$EPOCHREALTIME
  if ((record)); then
    echo "$fs $name $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }') $(tail -n 1 "$timing")" >>"$results"
  fi
}

# one_round FS BASE RECORD: one pull by each tool into an empty store under BASE; each
# output is removed (untimed) before the next, and dirty pages are flushed before each run.
one_round() {
  local fs=$1 base=$2 record=$3
  # The berth store of the last round stays (in berth-prev) for the re-pull.
  fast_rm "$base/berth-prev"
  sync
  berth_cmd "$base/berth" "$base"
  timed "$fs" berth "$record" "${cmd[@]}"
  mv "$base/berth" "$base/berth-prev"
  sync
  skopeo_cmd "$base/skopeo" "$base"
  timed "$fs" skopeo "$record" "${cmd[@]}"
  fast_rm "$base/skopeo"
  sync
  podman_cmd "$base/podman" "$base"
  if ! timed "$fs" podman "$record" "${cmd[@]}"; then
    [[ $podman_driver == overlay ]] || return 1
    log "$fs: podman with --storage-driver overlay failed; falling back to vfs"
    podman_notes+=("$fs: overlay failed, vfs used")
    fast_rm "$base/podman"
    podman_driver=vfs
    podman_cmd "$base/podman" "$base"
    timed "$fs" podman "$record" "${cmd[@]}"
  fi
  fast_rm "$base/podman"
}

run_fs() {
  local fs=$1 base=$2 i
  mkdir -p "$base/tmp"
  podman_driver=overlay
  log "$fs: warm-up round"
  one_round "$fs" "$base" 0
  for ((i = 1; i <= runs; i++)); do
    log "$fs: round $i of $runs"
    one_round "$fs" "$base" 1
  done
  podman_used[$fs]=$podman_driver
  # The re-pull: the image of the last round is present; one warm-up, then $runs timed.
  log "$fs: berth re-pull"
  berth_cmd "$base/berth-prev" "$base"
  for ((i = 0; i <= runs; i++)); do
    timed "$fs" repull "$((i > 0))" "${cmd[@]}"
  done
  if ((keep)) && [[ $fs == disk ]]; then
    mv "$base/berth-prev" "$bench_dir/kept-berth-store"
  else
    fast_rm "$base/berth-prev"
  fi
}

cell() { # FS CASE: "1.23 s   41 MiB"
  local s m
  s=$(stat_of "$1" "$2" median 3 %s)
  m=$(stat_of "$1" "$2" median 4 %s)
  if [[ -n $s ]]; then printf '%.2f s %4d MiB' "$s" $((m / 1024)); else printf -- -; fi
}

ms() { # FS CASE: median in milliseconds
  awk -v s="$(stat_of "$1" "$2" median 3 %s)" 'BEGIN { printf "%d ms", s * 1000 + 0.5 }'
}

ratio() { # FS A B: median(A) / median(B)
  awk -v a="$(stat_of "$1" "$2" median 3 %s)" -v b="$(stat_of "$1" "$3" median 3 %s)" \
    'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "-" }'
}

spread() { # FS CASE: "0.50 0.52 0.61"
  awk -v fs="$1" -v c="$2" '$1 == fs && $2 == c { printf "%s%.3f", sep, $3; sep = " " }' "$results"
}

report() {
  local files tar_bytes gzip_bytes manifest n fs c
  files=$(sed -n 's/^files=//p' "$image/STATS")
  tar_bytes=$(sed -n 's/^tar_bytes=//p' "$image/STATS")
  gzip_bytes=$(sed -n 's/^gzip_bytes=//p' "$image/STATS")
  manifest=$(sed -n 's/^manifest=//p' "$image/STATS")
  n=$(sed -n 's/^layers=//p' "$image/STATS")
  printf '\npull of bench/big (%d layers, %d MiB unpacked, %d MiB gzip, %d entries), median of %d\n' \
    "$n" $((tar_bytes / 1048576)) $((gzip_bytes / 1048576)) "$files" "$runs"
  printf '%-22s%-30s%s\n' "" "tmpfs" "disk ($disk_fs)"
  printf '%-22s%-30s%s\n' "berth pull" "$(cell tmpfs berth)" "$(cell disk berth)"
  printf '%-22s%-30s%s\n' "skopeo copy (oci:)" "$(cell tmpfs skopeo)" "$(cell disk skopeo)"
  printf '%-22s%-30s%s\n' "podman pull" "$(cell tmpfs podman)" "$(cell disk podman)"
  printf '%-22s%-30s%s\n' "berth / skopeo" "$(ratio tmpfs berth skopeo) (target <= 1.5x)" \
    "$(ratio disk berth skopeo)"
  printf '%-22s%-30s%s\n' "berth / podman" "$(ratio tmpfs berth podman)" \
    "$(ratio disk berth podman) (target <= 0.5x)"
  printf '%-22s%-30s%s\n' "berth re-pull" "$(ms tmpfs repull) (target < 50 ms)" \
    "$(ms disk repull)"
  printf '%-22s%s\n' "token fetch (curl)" \
    "$(ms any token) (the fixture's token server; part of every pull above)"
  printf '\nimage %s (layer 1 from this host'\''s /usr)\n' "$manifest"
  printf 'berth: %s (%s%s)\n' "$("$berth" --version 2>/dev/null | head -n 1)" "$berth" \
    "${BERTH_BENCH_SOURCE:+, $BERTH_BENCH_SOURCE}"
  printf '%s; podman %s, storage driver tmpfs: %s, disk: %s%s\n' \
    "$(skopeo --version)" "$(podman --version | awk '{ print $3 }')" \
    "${podman_used[tmpfs]:-?}" "${podman_used[disk]:-?}" \
    "${podman_notes[*]:+ (${podman_notes[*]})}"
  printf 'load average: %s at start, %s at end\n' "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'all runs, seconds:\n'
  for fs in tmpfs disk; do
    for c in berth skopeo podman repull; do
      printf '  %-6s %-7s %s\n' "$fs" "$c" "$(spread "$fs" "$c")"
    done
  done
}

# The measuring half runs in a private mount namespace, so the tmpfs (and anything podman
# leaves mounted) can never outlive it.
inner() {
  # Globals, not locals: the EXIT trap needs them after an error anywhere.
  work=$(mktemp -d "$bench_dir/run.XXXXXX")
  state=$work/hub
  # Short: podman refuses a --runroot (kept on the tmpfs) of over 50 characters.
  tmpfs=$(mktemp -d /run/berth-pull-bench.XXXXXX)
  conf=$work/conf
  results=$work/results.txt
  timing=$work/time.txt
  cmdlog=$work/cmd.log
  cleanup() {
    local rc=$?
    "$hub/stop.sh" "$state" >/dev/null 2>&1 || log "stop.sh $state failed"
    if [[ -n ${tmpfs:-} ]]; then
      umount "$tmpfs" 2>/dev/null || true
      rmdir "$tmpfs" 2>/dev/null || true
    fi
    if ((rc == 0)); then
      cp "$results" "$bench_dir/results.txt" 2>/dev/null || true
    fi
    fast_rm "$work"
    exit "$rc"
  }
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  load_start=$(cut -d' ' -f1-3 /proc/loadavg)
  : >"$results"
  declare -gA podman_used=()
  podman_notes=()
  disk_fs=$(findmnt -n -o FSTYPE -T "$bench_dir")

  log "starting the registry fixture"
  "$hub/start.sh" "$state" >/dev/null
  # shellcheck source=/dev/null
  . "$state/env"
  ref=$HUB_FRONT/bench/big:latest
  write_confs
  log "pushing the image to $ref"
  skopeo --policy "$conf/policy.json" copy -q --preserve-digests \
    --dest-cert-dir "$HUB_CERT_DIR" --dest-creds "$HUB_USER:$HUB_PASS" \
    --digestfile "$work/digest" "oci:$image:bench" "docker://$ref"
  [[ $(<"$work/digest") == "$(sed -n 's/^manifest=//p' "$image/STATS")" ]] ||
    die "pushed digest $(<"$work/digest") is not the built one"

  mount -t tmpfs -o "size=$tmpfs_size,mode=0700" berth-pull-bench "$tmpfs"
  run_fs tmpfs "$tmpfs/run"
  run_fs disk "$work/disk"
  # For scale: one anonymous token request, which every pull above makes at least once.
  local i
  for ((i = 0; i < runs; i++)); do
    curl -sf -o /dev/null -w '%{time_total}' --cacert "$HUB_CA" \
      "$HUB_TOKEN_URL?service=$HUB_SERVICE&scope=repository:bench/big:pull" |
      awk '{ print "any token " $1 " 0" }' >>"$results"
  done
  report
}

find_berth() {
  if [[ -z $berth ]] && ((head)); then
    local commit src
    commit=$(git -C "$repo" rev-parse --short=12 HEAD) || die "--head: $repo is not a git work tree"
    src=$bench_dir/src-$commit
    if [[ ! -x $src/build-bench/cli/berth ]]; then
      log "building berth (Release) at HEAD $commit in $src"
      rm -rf "$src"
      mkdir -p "$src"
      git -C "$repo" archive HEAD | tar -x -C "$src"
      if ! BERTH_BUILD_TARGET=berth "$src/scripts/build.sh" build-bench \
        -DCMAKE_BUILD_TYPE=Release >&2; then
        rm -rf "$src"
        die "building HEAD $commit failed"
      fi
    fi
    berth=$src/build-bench/cli/berth
    BERTH_BENCH_SOURCE="built from HEAD $commit"
    export BERTH_BENCH_SOURCE
  fi
  if [[ -z $berth ]]; then
    log "building berth (Release) in $repo/build-bench"
    BERTH_BUILD_TARGET=berth "$repo/scripts/build.sh" build-bench -DCMAKE_BUILD_TYPE=Release >&2 ||
      die "building the work tree failed (try --head, or --berth PATH)"
    berth=$repo/build-bench/cli/berth
    BERTH_BENCH_SOURCE="built from $(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?')"
    export BERTH_BENCH_SOURCE
  fi
  berth=$(command -v "$berth") || die "berth binary not found (use --berth or BERTH)"
  berth=$(readlink -f "$berth")
}

main() {
  [[ $(id -u) -eq 0 ]] || die "needs root (tmpfs mount, podman's storage)"
  if ! command -v podman >/dev/null; then
    log "podman not found; installing it (apt-get install podman)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman >&2 ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends podman >&2; } ||
      die "could not install podman"
  fi
  local tool
  for tool in podman skopeo jq gzip tar sha256sum openssl unshare awk od docker-registry \
    nginx curl python3; do
    command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh)"
  done
  [[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install -y time)"
  find_berth
  mkdir -p "$bench_dir"
  # An interrupted build leaves nothing half-made (exec below drops this trap).
  trap 'fast_rm "$image.tmp"' EXIT
  build_image
  if [[ ${BERTH_PULL_BENCH_IN_NS:-0} == 1 ]]; then
    inner
  else
    local args=(--runs "$runs" --size-mb "$size_mb" --berth "$berth")
    ((keep)) && args+=(--keep)
    # Only ever talk to the fixture on 127.0.0.1, whatever proxy the caller has set.
    unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
    export NO_PROXY='*' no_proxy='*'
    BERTH_PULL_BENCH_IN_NS=1 exec unshare -m --propagation private "$script" "${args[@]}"
  fi
}

main
