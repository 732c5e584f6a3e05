#!/usr/bin/env bash
# The main job, end to end, as far as berth goes today: install dependencies, build, make a
# small image offline from Debian's busybox-static, load it into a store, list, inspect and
# mount it, save it back out as an OCI archive that oci-image-tool validates, and remove it.
# Uses its own store (BERTH_DEMO_DIR, default /var/tmp/berth-demo) and cleans up its mounts.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

scripts/install-deps.sh
BERTH_BUILD_TARGET=berth scripts/build.sh build

demo=${BERTH_DEMO_DIR:-/var/tmp/berth-demo}
root=$demo/root
berth() { "$repo/build/cli/berth" --root "$root" "$@"; }
step() { printf '\n\033[1m$ berth %s\033[0m\n' "$*"; berth "$@"; }

cleanup() { berth image unmount --all >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
rm -rf "$demo"
mkdir -p "$demo"

echo "== building a busybox image offline (OCI layout) from Debian's busybox-static"
tests/fixtures/make-busybox-image.sh "$demo/busybox-oci" docker.io/library/busybox:latest

step load -i "$demo/busybox-oci"
step images
step tag busybox localhost/demo/busybox:1.0
step images --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}'
step inspect --format '{{.Id}} {{.Architecture}} {{.Config.Cmd}}' busybox
step history busybox
step image mount busybox
merged=$(berth image mount busybox)
echo "-- $merged/etc/os-release:"
cat "$merged/etc/os-release"
step image unmount busybox
step save --format oci-archive -o "$demo/busybox.tar" busybox
echo "== oci-image-tool validate (the saved archive, unpacked; Debian's oci-image-tool"
echo "   does not implement --type imageLayout, so the image inside is validated by name)"
mkdir -p "$demo/check" && tar -xf "$demo/busybox.tar" -C "$demo/check"
oci-image-tool validate --type image --ref name=docker.io/library/busybox:latest "$demo/check"
step rmi localhost/demo/busybox:1.0 busybox
step images
echo
echo "demo: done (store in $root)"
