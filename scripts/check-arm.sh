#!/bin/sh
# The ARM check: the packed package (npm pack) installed with npm in fresh
# Debian 13 "trixie" userlands for arm64 and armhf (debootstrap, run on this
# x86-64 machine through qemu-user-static and binfmt_misc) that have Node.js
# 20 and npm from trixie and NO compiler and NO python3 (as Raspberry Pi OS
# Lite has none until you install one): npm install must succeed without a
# build step (the install step takes the prebuilt addon, prebuilds/linux-arm64
# or prebuilds/linux-arm) and the addon must load and answer there.
#
#   scripts/check-arm.sh [arm64|armhf]...   (default: both)
#
# The ARM kernel part (gpio-sim under qemu-system-aarch64, the hardware suite
# from these userlands) is scripts/vm/check-arm-kernel.sh.
#
# Needs x86-64, root, apt (debootstrap, qemu-user-static, binfmt-support) and
# binfmt_misc. The trees are cached in /var/cache/rpi-gpio-connector/arm
# (RPI_GPIO_ARM_CACHE), never in the checkout. Exit: 0 passed, 1 failed, 77
# could not run here (and says why).
set -eu
cd "$(dirname "$0")/.."
say() { echo "check-arm: $*" >&2; }
notrun() { say "NOT RUN: $*"; exit 77; }
. scripts/lib/foreign-userland.sh
foreign_host_ready
arches=${*:-arm64 armhf}
cache=${RPI_GPIO_ARM_CACHE:-/var/cache/rpi-gpio-connector/arm}
start=$(date +%s)

mirror=$(debian_mirror)
# What a Raspberry Pi OS Lite user has: node and npm from the distribution,
# and gpiod's tools (and mosquitto, for the service on the ARM kernel).
# --no-install-recommends: npm recommends the compiler toolchain.
pkgs="nodejs npm ca-certificates gpiod mosquitto"
tree() { # arch: the cached trixie tree, made when missing
  root="$cache/trixie-$1"
  if [ ! -f "$root/.ready" ] || [ "$(cat "$root/.ready")" != "$pkgs" ]; then
    [ -n "$mirror" ] || notrun "no Debian mirror in the apt sources to debootstrap trixie from"
    say "debootstrap trixie $1 into $root (first run: about 15 minutes under emulation)"
    rm -rf "$root"
    mkdir -p "$cache"
    debootstrap --arch "$1" --variant=minbase trixie "$root" "$mirror" >/dev/null
    mount --bind /proc "$root/proc"
    chroot "$root" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null" ||
      { umount "$root/proc"; say "FAILED: apt-get install $pkgs in the $1 tree"; exit 1; }
    # Debian's npm depends on node-gyp, which depends on gyp and so python3
    # (no compiler: that only npm's Recommends would bring). Raspberry Pi OS
    # Lite has python3, but the proof is meant without it: removed, whatever
    # depends on it (only node-gyp, which nothing here runs).
    chroot "$root" dpkg --purge --force-depends python3 python3-minimal python3.13 python3.13-minimal python3-packaging gyp >/dev/null 2>&1 || true
    umount "$root/proc"
    echo "$pkgs" >"$root/.ready"
  fi
  echo "$root"
}

# The package as it would be published.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -f dist/main.js ] || npm run build >/dev/null
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
say "packed $tarball ($(du -k "$work/$tarball" | cut -f1) KiB)"

# The functions the addon exports, as this checkout's own (x86-64) addon has them: an ARM
# prebuilt from an older source would lack some.
functions=$(node -e "const a = require('./dist/adapters/gpio/native/addon.js').loadNativeAddon(); if (a._tag !== 'Right') { console.error(a.left); process.exit(1); } console.log(Object.keys(a.right).sort().join(','))") ||
  { say "FAILED: this checkout's own addon does not load"; exit 1; }
failed=""
for arch in $arches; do
  case "$arch" in arm64) dir=linux-arm64 ;; armhf) dir=linux-arm ;; *) say "unknown arch $arch (arm64 or armhf)"; exit 1 ;; esac
  t0=$(date +%s)
  root=$(tree "$arch")
  # No compiler, no python: else this proves nothing.
  for tool in cc gcc c++ make python3; do
    if chroot "$root" sh -c "command -v $tool" >/dev/null 2>&1; then say "FAILED: the $arch tree has $tool: it must have no compiler and no python"; exit 1; fi
  done
  say "$arch: node $(chroot "$root" node --version) ($(chroot "$root" node -p 'process.arch + (process.config.variables.arm_version ? " armv" + process.config.variables.arm_version : "")')), npm $(chroot "$root" npm --version), no cc, make or python3"
  app=/opt/check-arm
  rm -rf "${root:?}$app"
  mkdir -p "$root$app"
  cp "$work/$tarball" "$root$app/"
  foreign_network "$root"
  for m in proc sys dev; do mount --bind "/$m" "$root/$m"; done
  set +e
  # As a user would: a project (or /opt/...) and npm install of the package.
  chroot "$root" sh -c "cd $app && npm init -y >/dev/null && npm install --no-audit --no-fund --foreground-scripts ./$tarball" >"$work/install-$arch.log" 2>&1
  installed=$?
  chroot "$root" sh -c "cd $app/node_modules/rpi-gpio-connector && node -e \"
const n = require('./dist/adapters/gpio/native/addon.js');
const p = n.nativeAddonPath();
const a = n.loadNativeAddon();
if (a._tag !== 'Right') { console.error(a.left); process.exit(1); }
// A call of the addon's own down to its ioctl, on a file that is not a GPIO chip: an errno
// error (ENOTTY from a kernel; qemu-user answers ENOSYS to the GPIO ioctls it does not
// translate: the real kernel's answers are scripts/check-arm-kernel.sh's).
let code = 'none';
try { a.right.chipInfo('/dev/null'); } catch (e) { code = e.code; }
console.log(JSON.stringify({ path: p.right, functions: Object.keys(a.right).sort().join(','), chipInfoOnDevNull: code }));
\"" >"$work/load-$arch.log" 2>&1
  loaded=$?
  set -e
  for m in proc sys dev; do umount "$root/$m"; done
  grep -E 'rpi-gpio-connector: |added [0-9]+ packages' "$work/install-$arch.log" | sed "s/^/check-arm: $arch: npm: /" >&2 || true
  if [ "$installed" != 0 ]; then
    cat "$work/install-$arch.log" >&2
    say "FAILED: $arch: npm install of the package failed"
    failed="$failed $arch"
    continue
  fi
  if ! grep -q "rpi-gpio-connector: using the prebuilt GPIO addon prebuilds/$dir/gpio_native.napi.glibc.node (nothing to compile)" "$work/install-$arch.log" ||
    [ -e "$root$app/node_modules/rpi-gpio-connector/build" ]; then
    say "FAILED: $arch: the install step did not take prebuilds/$dir"
    failed="$failed $arch"
    continue
  fi
  say "$arch: loaded: $(cat "$work/load-$arch.log")"
  if [ "$loaded" != 0 ] || ! grep -qx "{\"path\":\"$app/node_modules/rpi-gpio-connector/prebuilds/$dir/gpio_native.napi.glibc.node\",\"functions\":\"$functions\",\"chipInfoOnDevNull\":\"\(ENOTTY\|ENOSYS\)\"}" "$work/load-$arch.log"; then
    say "FAILED: $arch: the prebuilt addon did not load and answer as it should"
    failed="$failed $arch"
    continue
  fi
  say "$arch: passed in $(($(date +%s) - t0)) s"
done
say "took $(($(date +%s) - start)) s"
[ -z "$failed" ] || { say "FAILED:$failed"; exit 1; }
say "passed: $arches"
