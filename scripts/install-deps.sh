#!/usr/bin/env bash
# Installs everything berth needs to build, test and demo on Debian 12, as root.
# Idempotent: packages already present are not fetched again.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build pkg-config
  libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libarchive-dev libzstd-dev
  libgtest-dev libgmock-dev libcli11-dev libfmt-dev libisal-dev libdeflate-dev zlib1g-dev
  libseccomp-dev
  # tests, oracles and the demo image
  skopeo umoci oci-image-tool docker-registry busybox-static jq time
  # the oracle of the build tests (tests/integration/builder) and of build_bench.sh
  buildah bzip2 xz-utils
  nginx-light openssl curl tar gzip
  util-linux procps iproute2 python3
  # podman's seccomp profile (/usr/share/containers/seccomp.json), a parser test input
  golang-github-containers-common
)

missing=()
for p in "${packages[@]}"; do
  # No `| grep -q`: it may exit before dpkg-query is done writing (SIGPIPE under pipefail).
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
