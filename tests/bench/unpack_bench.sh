#!/usr/bin/env bash
# unpack_bench.sh: times `berth load` (import + unpack to overlay form) against
# `umoci unpack` and plain `gzip -dc | tar -x` on one multi-layer image, on disk and on a
# tmpfs, and prints a table of median seconds and peak memory. See tests/bench/README.md.
#
# usage: tests/bench/unpack_bench.sh [-n RUNS] [-b BERTH] [-k]
#   -n RUNS   measured runs per case after one warm-up (default 3; the median is reported)
#   -b BERTH  berth binary (default: $BERTH_BIN, else <repo>/build/cli/berth, else berth)
#   -k        keep the run directories of the last run for inspection
# env: BERTH_BENCH_DIR  work dir on the disk under test (default /var/tmp/berth-bench);
#                       the generated image is cached in $BERTH_BENCH_DIR/image
#      BERTH_BENCH_TMPFS_SIZE  size of the tmpfs (default 4g)
#
# Needs root (tmpfs mount in a private mount namespace; umoci unpack and berth keep
# owners), umoci, jq, gzip, GNU tar, sha256sum, openssl, util-linux (unshare) and GNU time
# (/usr/bin/time, Debian package "time").
set -euo pipefail

readonly image_version=v1  # bump when the generated image changes
readonly ref=localhost/berth-bench/unpack:${image_version}
script=$(readlink -f "${BASH_SOURCE[0]}")
repo=$(cd "$(dirname "$script")/../.." && pwd)
bench_name=unpack_bench
# shellcheck source=tests/bench/bench_lib.sh
. "$(dirname "$script")/bench_lib.sh"
bench_dir=${BERTH_BENCH_DIR:-/var/tmp/berth-bench}
tmpfs_size=${BERTH_BENCH_TMPFS_SIZE:-4g}
runs=3
keep=0
berth=${BERTH_BIN:-}

usage() {
  sed -n '2,17p' "$script" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while getopts "n:b:kh" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    b) berth=$OPTARG ;;
    k) keep=1 ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[[ $# -eq 0 && $runs =~ ^[1-9][0-9]*$ ]] || usage

# ---- the image --------------------------------------------------------------------------

# stream BYTES SEED: deterministic pseudo-random bytes (AES-CTR of zeros). openssl reads a
# finite input, so no stage of the pipeline dies of SIGPIPE (which pipefail would report).
stream() {
  head -c "$1" /dev/zero | openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass "pass:berth-bench-$2"
}

# small_files ROOT COUNT SEED: COUNT files of 1-8 KiB (base64 text) under ROOT/dNN/sN/.
small_files() {
  local root=$1 count=$2 seed=$3
  stream $((count * 6 * 1024)) "$seed" | base64 -w 76 |
    awk -v root="$root" -v count="$count" -v seed="$seed" '
      BEGIN { srand(seed); made = 0; want = -1 }
      {
        if (made == count) next  # drain the input: an early exit would SIGPIPE the writers
        if (want < 0) {
          dir = sprintf("%s/d%02d/s%d", root, int(made / 1000), int(made / 100) % 10)
          if (!(dir in dirs)) { system("mkdir -p " dir); dirs[dir] = 1 }
          file = sprintf("%s/f%03d", dir, made % 100)
          want = 1024 + int(rand() * 7168); have = 0
        }
        line = $0 "\n"
        if (have + length(line) >= want) {
          printf "%s", substr(line, 1, want - have) > file
          close(file); made++; want = -1
        } else {
          printf "%s", line > file; have += length(line)
        }
      }'
}

# big_file PATH MIB SEED: about MIB MiB of hex-dump text (od writes 49 bytes per 16 read),
# which compresses about 2.5:1.
big_file() {
  stream $(($2 * 1024 * 1024 * 16 / 49)) "$3" | od -An -tx1 -v >"$1"
}

make_layers() {
  local l=$1
  log "generating layer trees in $l"
  # 1: the base: 20,000 small files in 200 dirs, 200 relative symlinks.
  mkdir -p "$l/1/app" "$l/1/links"
  small_files "$l/1/app" 20000 1
  for i in $(seq 0 199); do
    ln -s "../app/d$(printf %02d $((i % 20)))/s$((i % 10))/f$(printf %03d "$i")" \
      "$l/1/links/l$i"
  done
  # 2: three 25 MiB files.
  mkdir -p "$l/2/data"
  for i in 0 1 2; do big_file "$l/2/data/big$i" 25 "big$i"; done
  # 3: whiteouts (a whole 1,000-file tree and 500 single files), an opaque dir with new
  # content, 300 rewritten files, 200 files with a hardlink each.
  mkdir -p "$l/3/app"
  : >"$l/3/app/.wh.d01"
  for d in 02 03 04 05 06; do
    mkdir -p "$l/3/app/d$d/s0"
    for f in $(seq -f %03g 0 99); do : >"$l/3/app/d$d/s0/.wh.f$f"; done
  done
  mkdir -p "$l/3/app/d07"
  : >"$l/3/app/d07/.wh..wh..opq"
  small_files "$l/3/app/d07/new" 500 3
  small_files "$l/3/rewrite" 300 4
  mkdir -p "$l/3/app/d08"
  mv "$l/3/rewrite/d00/s0" "$l/3/app/d08/s0"
  mv "$l/3/rewrite/d00/s1" "$l/3/app/d08/s1"
  mv "$l/3/rewrite/d00/s2" "$l/3/app/d08/s2"
  rm -rf "$l/3/rewrite"
  small_files "$l/3/hl" 200 5
  mkdir -p "$l/3/hl/links"
  find "$l/3/hl/d00" -type f -print0 | while IFS= read -r -d '' f; do
    ln "$f" "$l/3/hl/links/$(basename "$(dirname "$f")")-$(basename "$f")"
  done
  # 4: 2,000 more small files, a 10 MiB file, one big file deleted.
  mkdir -p "$l/4/app2" "$l/4/data"
  small_files "$l/4/app2" 2000 6
  big_file "$l/4/data/big3" 10 big3
  : >"$l/4/data/.wh.big1"
}

build_image() {
  local image=$bench_dir/image
  if [[ -f $image/VERSION && $(<"$image/VERSION") == "$image_version" ]]; then
    return
  fi
  log "building the bench image (once; cached in $image)"
  fast_rm "$image"
  local work=$bench_dir/image.tmp
  fast_rm "$work"
  mkdir -p "$work/blobs/sha256"
  make_layers "$work/trees"
  local layers="[]" diff_ids="[]" i digest size diff_id
  for i in 1 2 3 4; do
    tar_tree "$work/trees/$i" "$work/layer.tar"
    diff_id=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
    gzip -n -6 -c "$work/layer.tar" >"$work/layer.tar.gz"
    rm -f "$work/layer.tar"
    read -r digest size < <(add_blob "$work/layer.tar.gz" "$work/blobs/sha256")
    layers=$(jq -c --arg d "$digest" --argjson s "$size" \
      '. + [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}]' \
      <<<"$layers")
    diff_ids=$(jq -c --arg d "$diff_id" '. + [$d]' <<<"$diff_ids")
  done
  jq -cjn --argjson ids "$diff_ids" '{
      created: "2024-01-01T00:00:00Z", architecture: "amd64", os: "linux",
      config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
      rootfs: {type: "layers", diff_ids: $ids},
      history: [range(0; $ids | length) | {created: "2024-01-01T00:00:00Z",
                                            created_by: "unpack_bench.sh layer \(. + 1)"}]
    }' >"$work/config.json"
  read -r digest size < <(add_blob "$work/config.json" "$work/blobs/sha256")
  jq -cjn --arg cd "$digest" --argjson cs "$size" --argjson layers "$layers" '{
      schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
      layers: $layers
    }' >"$work/manifest.json"
  read -r digest size < <(add_blob "$work/manifest.json" "$work/blobs/sha256")
  jq -cjn --arg md "$digest" --argjson ms "$size" --arg ref "$ref" '{
      schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md,
                   size: $ms, annotations: {"org.opencontainers.image.ref.name": $ref}}]
    }' >"$work/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"
  # Remember the sizes for the report before the trees go.
  {
    echo "files=$(find "$work/trees" -type f | wc -l)"
    echo "unpacked_bytes=$(du -sb "$work/trees" | cut -f1)"
  } >"$work/STATS"
  fast_rm "$work/trees"
  mkdir -p "$image"
  mv "$work/blobs" "$work/index.json" "$work/oci-layout" "$work/STATS" "$image/"
  echo "$image_version" >"$image/VERSION"
  rm -rf "$work"
}

# ---- measuring --------------------------------------------------------------------------

# measure NAME OUTDIR CMD...: one warm-up and $runs timed runs of CMD, which writes OUTDIR;
# OUTDIR is removed (untimed) before each run. Appends "NAME seconds maxrss_kib" per run to
# $results.
measure() {
  local name=$1 out=$2 i
  shift 2
  for ((i = 0; i <= runs; i++)); do
    fast_rm "$out"
    sync
    /usr/bin/time -o "$timing" -f '%e %M' "$@" >/dev/null
    ((i == 0)) || echo "$name $(<"$timing")" >>"$results"
  done
  ((keep)) || fast_rm "$out"
}

layer_files() {
  local manifest
  manifest=$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$layout/index.json")
  jq -r '.layers[].digest | sub("sha256:"; "")' "$layout/blobs/sha256/$manifest" |
    sed "s|^|$layout/blobs/sha256/|"
}

# run_fs LABEL DIR: all three cases with their outputs under DIR.
run_fs() {
  local label=$1 dir=$2
  mkdir -p "$dir"
  log "$label: berth load"
  measure "$label berth" "$dir/store" "$berth" --root "$dir/store" load -i "$layout"
  log "$label: umoci unpack"
  measure "$label umoci" "$dir/bundle" umoci unpack --image "$layout:$ref" "$dir/bundle"
  log "$label: gzip -dc | tar -x"
  # shellcheck disable=SC2016  # expanded by the inner bash
  measure "$label tar" "$dir/tar" bash -c \
    'mkdir -p "$0" && for l; do gzip -dc "$l" | tar -x -C "$0"; done' "$dir/tar" \
    "${layers_gz[@]}"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

report() {
  local files bytes label b u t
  files=$(sed -n 's/^files=//p' "$layout/STATS")
  bytes=$(sed -n 's/^unpacked_bytes=//p' "$layout/STATS")
  printf '\nimage: %d layers, %s files, %d MiB unpacked, %d MiB gzip; median of %d runs after 1 warm-up\n' \
    "${#layers_gz[@]}" "$files" $((bytes / 1048576)) \
    $(($(cat "${layers_gz[@]}" | wc -c) / 1048576)) "$runs"
  printf 'berth: %s\n\n' "$("$berth" --version 2>/dev/null || echo "$berth")"
  printf '%-6s %12s %13s %11s %12s %14s %14s\n' fs "berth load s" "umoci unpack s" \
    "gzip|tar s" "umoci/berth" "berth maxRSS" "umoci maxRSS"
  for label in disk tmpfs; do
    grep -q "^$label " "$results" || continue
    b=$(awk -v k="$label berth" '$1 " " $2 == k { print $3 }' "$results" | median)
    u=$(awk -v k="$label umoci" '$1 " " $2 == k { print $3 }' "$results" | median)
    t=$(awk -v k="$label tar" '$1 " " $2 == k { print $3 }' "$results" | median)
    local bm um
    bm=$(awk -v k="$label berth" '$1 " " $2 == k { print $4 }' "$results" | median)
    um=$(awk -v k="$label umoci" '$1 " " $2 == k { print $4 }' "$results" | median)
    printf '%-6s %12.2f %14.2f %11.2f %11.2fx %11d MiB %11d MiB\n' "$label" "$b" "$u" "$t" \
      "$(awk -v b="$b" -v u="$u" 'BEGIN { print (b > 0 ? u / b : 0) }')" \
      $((bm / 1024)) $((um / 1024))
  done
}

# The measuring half runs in a private mount namespace, so the tmpfs can never outlive it.
inner() {
  layout=$bench_dir/image
  mapfile -t layers_gz < <(layer_files)
  results=$bench_dir/results.txt
  timing=$bench_dir/time.txt
  : >"$results"
  tmpfs=$bench_dir/tmpfs
  cleanup() {
    umount "$tmpfs" 2>/dev/null || true
    rmdir "$tmpfs" 2>/dev/null || true
    rm -f "$timing"
    ((keep)) || fast_rm "$bench_dir/run-disk"
  }
  trap cleanup EXIT
  run_fs disk "$bench_dir/run-disk"
  mkdir -p "$tmpfs"
  mount -t tmpfs -o "size=$tmpfs_size,mode=0700" berth-bench "$tmpfs"
  run_fs tmpfs "$tmpfs/run"
  report
}

main() {
  [[ $(id -u) -eq 0 ]] || die "needs root (tmpfs mount, umoci unpack keeps owners)"
  for tool in umoci jq gzip tar sha256sum openssl unshare awk; do
    command -v "$tool" >/dev/null || die "$tool not found"
  done
  [[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install -y time)"
  if [[ -z $berth ]]; then
    if [[ -x $repo/build/cli/berth ]]; then berth=$repo/build/cli/berth; else berth=berth; fi
  fi
  berth=$(command -v "$berth") || die "berth binary not found (use -b or BERTH_BIN)"
  mkdir -p "$bench_dir"
  # An interrupted build leaves nothing half-made (exec below drops this trap).
  trap 'fast_rm "$bench_dir/image.tmp"' EXIT
  build_image
  if [[ ${BERTH_BENCH_IN_NS:-0} == 1 ]]; then
    inner
  else
    local args=(-n "$runs")
    ((keep)) && args+=(-k)
    BERTH_BENCH_IN_NS=1 BERTH_BIN=$berth exec unshare -m --propagation private "$script" "${args[@]}"
  fi
}

main
