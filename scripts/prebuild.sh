#!/bin/sh
# The prebuilt GPIO addons shipped in the package (prebuilds/, prebuildify's
# layout, loaded by node-gyp-build): native/*.c (binding.gyp's sources) built
# here, reproducibly, for
#   linux-x64    the host's gcc (x86-64 Debian)
#   linux-arm64  gcc-aarch64-linux-gnu (Raspberry Pi OS 64-bit, Pi 3/4/5)
#   linux-arm    gcc-arm-linux-gnueabihf with -march=armv6 -mfpu=vfp -marm:
#                ARMv6 hard-float, the Raspbian ABI, so the one binary runs on
#                Raspberry Pi OS 32-bit on every Pi (Zero/1's ARMv6 included)
#                and on Debian armhf (ARMv7); its ELF attributes say v6 (checked)
# against the glibc of the build machine's Debian (bookworm: 2.36, so the
# binaries need at most GLIBC_2.34 and load on Bookworm and Trixie; checked)
# and N-API 8 (Node.js 20 and later). Plain C with N-API: no node-gyp, and
# one compiler call per target, so the bytes are the same on every run with
# the same compilers (the spec spec/tooling/prebuilds.spec.ts rebuilds them
# and compares: a change to native/ without running this script fails it).
#
# Usage: scripts/prebuild.sh [--out DIR]   (default: prebuilds/ of this checkout)
# Installs the cross compilers when missing if it may (root with apt-get).
set -eu
cd "$(dirname "$0")/.."
say() { echo "prebuild: $*" >&2; }
out=prebuilds
[ "${1:-}" = --out ] && out=$2

[ "$(uname -m)" = x86_64 ] || { say "builds on x86-64 only (cross compilers for arm64 and armhf)"; exit 1; }
missing=""
command -v gcc >/dev/null || missing="$missing gcc"
command -v aarch64-linux-gnu-gcc >/dev/null || missing="$missing gcc-aarch64-linux-gnu"
command -v arm-linux-gnueabihf-gcc >/dev/null || missing="$missing gcc-arm-linux-gnueabihf"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing$missing (Debian packages)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    say "missing:$missing (sudo apt-get install$missing)"
    exit 1
  fi
fi
# Node's headers (node_api.h and uv.h: the reader thread's uv_async_t), from
# the Node.js that runs this script, as addon-sanitize.sh finds them.
inc=$(node -p "require('path').join(process.execPath, '..', '..', 'include', 'node')")
[ -f "$inc/node_api.h" ] || inc=$(ls -d "$HOME"/.cache/node-gyp/"$(node -p 'process.versions.node')"/include/node 2>/dev/null || true)
[ -n "$inc" ] && [ -f "$inc/node_api.h" ] || { say "Node's headers (node_api.h) are not installed"; exit 1; }
SOURCES=$(node -p "JSON.parse(require('fs').readFileSync('binding.gyp', 'utf8')).targets[0].sources.join(' ')")

# Same flags as binding.gyp, plus: N-API 8 pinned, no build paths in the
# output, stripped (no debug info: the release build carries none either).
FLAGS="-shared -fPIC -O2 -pthread -Wall -Wextra -Wno-unused-parameter -Werror
  -DNAPI_VERSION=8 -DNODE_GYP_MODULE_NAME=gpio_native -DBUILDING_NODE_EXTENSION -D_GNU_SOURCE
  -ffile-prefix-map=$PWD=. -ffile-prefix-map=$inc=node -fno-ident -s -Wl,--build-id=sha1 -Wl,-z,noexecstack"

build() { # platform-arch, compiler, extra flags, libraries (after the sources: a library before them is dropped)
  dir="$out/$1"
  cc=$2
  mkdir -p "$dir"
  rm -f "$dir"/*.node
  # shellcheck disable=SC2086
  "$cc" $FLAGS ${3:-} -I"$inc" $SOURCES -ldl ${4:-} -o "$dir/gpio_native.napi.glibc.node"
  say "$dir/gpio_native.napi.glibc.node ($("$cc" -dumpversion), $(wc -c <"$dir/gpio_native.napi.glibc.node") bytes)"
}

build linux-x64 gcc
build linux-arm64 aarch64-linux-gnu-gcc
# ARMv6 all through: Debian's armhf crt files and libgcc.a are ARMv7
# Thumb-2, so none of them is linked: no start files (a shared object needs
# none: N-API finds napi_register_module_v1 by name), and libgcc's helpers
# (__aeabi_uidivmod: ARMv6 has no divide instruction) come from the board's
# own libgcc_s.so.1 at run time (Raspbian's is built for ARMv6).
build linux-arm arm-linux-gnueabihf-gcc "-marm -march=armv6 -mfpu=vfp -mfloat-abi=hard -nostartfiles -nodefaultlibs" "-lc -lgcc_s"
