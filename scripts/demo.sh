#!/usr/bin/env bash
# The main job, end to end, as far as berth goes today: install dependencies, build, start
# the local Docker Hub replica (tests/fixtures/hub, all on 127.0.0.1) and `berth pull alpine`
# through it as docker.io; run it (in the foreground, then detached with its logs, exec, stop
# and rm); build testdata/demo/Containerfile on it, run the result and push it back to the
# replica (skopeo reads it there); then make a small image offline from Debian's busybox-static, load
# it into the store, list, inspect and mount it, save it back out as an OCI archive that
# oci-image-tool validates, and remove it. Uses its own store (BERTH_DEMO_DIR, default
# /var/tmp/berth-demo), stops the replica and unmounts what it mounted, even on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

scripts/install-deps.sh
BERTH_BUILD_TARGET="berth berth-monitor berth-init" scripts/build.sh build

demo=${BERTH_DEMO_DIR:-/var/tmp/berth-demo}
root=$demo/root
berth() { "$repo/build/cli/berth" --root "$root" "$@"; }
step() { printf '\n\033[1m$ berth %s\033[0m\n' "$*"; berth "$@"; }

hub=""
cleanup() {
  berth rm -f -a >/dev/null 2>&1 || true
  berth image unmount --all >/dev/null 2>&1 || true
  if [[ -n $hub ]]; then tests/fixtures/hub/stop.sh "$hub" || true; fi
}
trap cleanup EXIT
cleanup
rm -rf "$demo"
mkdir -p "$demo"

echo "== starting the Docker Hub replica (registry + token auth + TLS front + blob CDN)"
hub=$(mktemp -d /tmp/berth-demo-hub.XXXXXX)
tests/fixtures/hub/start.sh "$hub" >/dev/null
tests/fixtures/hub/publish-images.sh "$hub" >/dev/null 2>&1
# shellcheck source=/dev/null
. "$hub/env"
echo "   docker.io is mirrored to $HUB_FRONT ($HUB_REGISTRIES_JSON); its CA is in $HUB_CERT_DIR."
echo "   Against the real Docker Hub the same commands work without those two flags."
pullflags=(--registries-conf "$HUB_REGISTRIES_JSON" --cert-dir "$HUB_CERT_DIR")
step pull "${pullflags[@]}" alpine
step pull "${pullflags[@]}" docker.io/library/alpine:latest
step pull "${pullflags[@]}" library/layered
step images
merged=$(berth image mount alpine)
echo "-- alpine's /etc/os-release:"
cat "$merged/etc/os-release"
berth image unmount alpine

echo "== running containers from the pulled image"
step run --rm alpine cat /etc/os-release
step run --rm -m 64m --pids-limit 50 --hostname demo alpine sh -c \
  'echo "hostname $(hostname), pid $$, $(ls /sys/class/net | wc -l) network interface(s)"'
# --init: berth-init is PID 1 and passes `stop`'s SIGTERM on, so the shell ends at once (143).
step run -d --init --name ticker alpine sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do echo "tick $i"; sleep 1; done'
sleep 2
step exec ticker ps
step logs ticker
step stop ticker
step wait ticker
step rm ticker
echo "-- containers left: $(ls "$root/containers" | grep -vc '^\.' || true)"

echo "== building an image from testdata/demo/Containerfile on top of the pulled alpine"
step build -t localhost/demo/hello:1 testdata/demo
step run --rm localhost/demo/hello:1
echo "-- again: nothing changed, every step comes from the cache"
step build -q -t localhost/demo/hello:1 testdata/demo
step history localhost/demo/hello:1
echo "== pushing it to the replica (as user $HUB_USER) and reading it back with skopeo"
step push --creds "$HUB_USER:$HUB_PASS" "${pullflags[@]}" localhost/demo/hello:1 \
  "docker://$HUB_FRONT/$HUB_USER/hello:1"
skopeo inspect --cert-dir "$HUB_CERT_DIR" --creds "$HUB_USER:$HUB_PASS" \
  "docker://$HUB_FRONT/$HUB_USER/hello:1" | jq '{Digest, Env, Labels, Layers: (.Layers | length)}'

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
