#!/usr/bin/env bash
# Build the container images the tests run, locally and idempotently: no registry is reachable, and none may be
# contacted. Usage: tests/images/build.sh docker|podman (DOCKER_HOST names Docker's socket).
#
#   localhost/swath-test/busybox:1   Debian's busybox-static with its applets (sh, cat, wc, wget...)
#   localhost/swath-test/python:1    this machine's python3 and its standard library, with busybox beside it
#   localhost/swath-test/notebook:1  the python image with papermill and ipykernel (notebook applications), their
#                                    packages installed from PyPI once into the cache, with the libraries they link
#
# The images the bundled examples name (debian:stable-slim, python:3.11-slim) are tagged as these stand-ins, so the
# examples run in a container here without pulling anything; they only need sh, wc and the Python standard library.
set -euo pipefail
ENGINE="${1:?usage: build.sh docker|podman}"
CACHE="${SWATH_TEST_IMAGE_CACHE:-/var/tmp/swath-test-images}"
mkdir -p "$CACHE"

has_image() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }

busybox_root() {  # a root filesystem with busybox and a symlink per applet, an /etc/passwd naming nobody
  local root="$1"
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  mkdir -p "$root/usr"
  ln -sfn ../bin "$root/usr/bin"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}

build_busybox_tar() {
  local tar="$CACHE/busybox.tar"
  [ -s "$tar" ] && return 0
  local root
  root="$(mktemp -d)"
  busybox_root "$root"
  tar -C "$root" -cf "$tar.part" . && mv "$tar.part" "$tar"
  rm -rf "$root"
}

build_python_tar() {  # python3 with the shared libraries it links and its standard library (no site-packages)
  local tar="$CACHE/python.tar"
  [ -s "$tar" ] && return 0
  local root python stdlib
  root="$(mktemp -d)"
  busybox_root "$root"
  python="$(readlink -f /usr/bin/python3)"
  stdlib="$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
  mkdir -p "$root/usr/local/bin"
  cp "$python" "$root/usr/local/bin/python3"
  for library in $(ldd "$python" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
  done
  mkdir -p "$root$stdlib"
  (cd "$stdlib" && tar --exclude=./site-packages --exclude=./dist-packages --exclude=./test --exclude='*.pyc' -cf - .) \
    | tar -C "$root$stdlib" -xf -
  ln -s ../usr/local/bin/python3 "$root/bin/python3"
  tar -C "$root" -cf "$tar.part" . && mv "$tar.part" "$tar"
  rm -rf "$root"
}

NOTEBOOK_PACKAGES=(papermill==2.7.0 ipykernel==7.4.0)

build_notebook_context() {  # site-packages for the image's python (this machine's), and the system libraries they link
  local context="$CACHE/notebook"
  [ -s "$context/Dockerfile" ] && return 0
  local work
  work="$(mktemp -d)"
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install --quiet --no-compile --target "$work/root/opt/notebook/site-packages" "${NOTEBOOK_PACKAGES[@]}"
  for library in $(find "$work/root" -name '*.so*' -type f -exec ldd {} + 2>/dev/null | grep -o '=> /[^ ]*' | cut -c4- | sort -u); do
    case "$library" in "$work"/*) continue ;; esac
    mkdir -p "$work/root$(dirname "$library")"
    cp -L "$library" "$work/root$library"
  done
  printf 'FROM localhost/swath-test/python:1\nCOPY root/ /\nENV PYTHONPATH=/opt/notebook/site-packages\n' >"$work/Dockerfile"
  rm -rf "$work/venv" "$context"
  mv "$work" "$context"
}

build_image() {  # build a Dockerfile context without any network: everything it needs is in the context
  local context="$1" image="$2"
  has_image "$image" || "$ENGINE" build --quiet --network none -t "$image" "$context" >/dev/null
}

import_image() {  # import the tar as the image, then give it its other names
  local tar="$1" image="$2"
  shift 2
  has_image "$image" || "$ENGINE" import --change 'ENV PATH=/usr/local/bin:/bin' "$tar" "$image" >/dev/null
  for alias in "$@"; do
    has_image "$alias" || "$ENGINE" tag "$image" "$alias"
  done
}

build_busybox_tar
build_python_tar
import_image "$CACHE/busybox.tar" localhost/swath-test/busybox:1 docker.io/library/debian:stable-slim
import_image "$CACHE/python.tar" localhost/swath-test/python:1 docker.io/library/python:3.11-slim
build_notebook_context
build_image "$CACHE/notebook" localhost/swath-test/notebook:1
