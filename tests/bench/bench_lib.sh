# Shared by the benchmark scripts (sourced, not run): messages, cleanup, image-building
# helpers and the statistics of the results table. The sourcing script sets `bench_name`
# (for messages) and, before calling stat_of, `results` (lines "FS CASE FIELD3 FIELD4 ...").
# shellcheck shell=bash

log() { echo "${bench_name:-bench}: $*" >&2; }
die() {
  log "$*"
  exit 1
}

# Unlinking is serialised per directory on some disks (ext4 with online discard costs
# milliseconds per unlink here), so files of different directories are deleted in parallel.
fast_rm() {
  local dir=$1
  [[ -e $dir ]] || return 0
  # shellcheck disable=SC2016  # $d expands in the inner shell
  find "$dir" -type d -print0 |
    xargs -0 -r -n 8 -P 32 sh -c 'for d; do find "$d" -mindepth 1 -maxdepth 1 ! -type d -delete; done' sh
  rm -rf -- "$dir"
}

# tar_tree DIR FILE: DIR's contents as a reproducible tar (sorted names, fixed mtime, root
# owner, no ACLs or xattrs): the same tree gives the same bytes on every run.
tar_tree() {
  local names
  mapfile -d '' names < <(cd "$1" && find . -mindepth 1 -maxdepth 1 -printf '%P\0' | LC_ALL=C sort -z)
  (cd "$1" && LC_ALL=C tar --format=gnu --sort=name --mtime=@1700000000 --owner=0 --group=0 \
    --numeric-owner --no-acls --no-xattrs --no-selinux -cf "$2" -- "${names[@]}")
}

# add_blob FILE BLOBS: moves FILE into BLOBS under its sha256 and prints "<digest> <size>".
add_blob() {
  local hex size
  hex=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  mv "$1" "$2/$hex"
  echo "sha256:$hex $size"
}

# seconds_of 0m1.234s: bash's `time` output in seconds.
seconds_of() { awk -v t="$1" 'BEGIN { split(t, p, "m"); printf "%.3f", p[1] * 60 + p[2] }'; }

# stat_of FS CASE median|p90|min|max [FIELD] [FORMAT]: over the recorded runs of CASE on FS,
# the statistic of FIELD (default 3), printed with FORMAT (default %.1f); "" with no runs.
stat_of() {
  # shellcheck disable=SC2154  # results: set by the sourcing script
  awk -v fs="$1" -v c="$2" -v f="${4:-3}" '$1 == fs && $2 == c { print $f }' "$results" |
    sort -n |
    awk -v what="$3" -v format="${5:-%.1f}" '{ v[NR] = $1 }
      END {
        if (!NR) { print ""; exit }
        if (what == "median") x = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        else if (what == "p90") { i = int(NR * 0.9); if (i < NR * 0.9) i++; x = v[i] }
        else if (what == "min") x = v[1]
        else x = v[NR]
        printf format, x
      }'
}

# install_missing TOOL...: apt-get installs the Debian packages (named as the tools) that
# are not on PATH, and busybox-static (the benchmarks' images are built from it).
install_missing() {
  local pkgs=() tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || pkgs+=("$tool")
  done
  dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' ||
    pkgs+=(busybox-static)
  ((${#pkgs[@]})) || return 0
  log "installing ${pkgs[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2; } ||
    die "could not install ${pkgs[*]}"
}
