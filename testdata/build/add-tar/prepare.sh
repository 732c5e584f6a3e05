# Generates the archives this case ADDs (no binaries checked in). Runs in a copy of the
# case dir (tests/support/build_case.cpp). Deterministic: sorted names, fixed times/owners.
set -eu
mkdir -p payload/sub
echo "hello from tar" > payload/hello.txt
printf '#!/bin/sh\necho tool\n' > payload/sub/tool.sh
chmod 0644 payload/hello.txt
chmod 0755 payload/sub payload/sub/tool.sh
mktar() {
  tar --sort=name --mtime=@1600000000 --owner=123 --group=456 --numeric-owner \
    --format=gnu -cf "$1" payload
}
mktar plain.tar
mktar gz.tar && gzip -n -9 gz.tar
mktar bz.tar && bzip2 -9 bz.tar
mktar xz.tar && xz -9 xz.tar
# A gzip tar under a name that says nothing: ADD detects archives by content.
mktar detect && gzip -n -c detect > detect.bin && rm detect
# A compressed file that is not a tar: ADD copies it as it is.
echo "just a note" | gzip -n > note.txt.gz
rm -r payload
