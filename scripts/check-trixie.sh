#!/bin/sh
# The Raspberry Pi OS Trixie check: a fresh Debian 13 "trixie" userland
# (debootstrap; libgpiod 2, Node.js 20 from trixie's own packages), the
# README's install command run in it as such a user would, then the hardware
# suite from that tree on the real kernel's gpio-sim (scripts/vm/run.sh
# --root). Proves that npm install there gives a working hardware driver
# (our uAPI v2 addon: node-libgpiod cannot build against libgpiod 2).
#
# Needs x86-64, root, apt (debootstrap and trixie reached through the same
# mirror as the host's Debian sources). The trixie tree is cached in
# /var/cache/rpi-gpio-connector/trixie-root (RPI_GPIO_TRIXIE_ROOT); the
# checkout is copied afresh (git HEAD) each run. Exit: 0 passed, 1 failed,
# 77 could not run here.
set -eu
cd "$(dirname "$0")/.."
say() { echo "check-trixie: $*" >&2; }
notrun() { say "NOT RUN: $*"; exit 77; }
[ "$(uname -m)" = x86_64 ] || notrun "x86-64 only"
[ "$(id -u)" = 0 ] || notrun "debootstrap and chroot need root"
command -v apt-get >/dev/null || notrun "no apt-get"

root=${RPI_GPIO_TRIXIE_ROOT:-/var/cache/rpi-gpio-connector/trixie-root}
pkgs="nodejs npm build-essential python3 git ca-certificates mosquitto gpiod"
if [ ! -f "$root/.ready" ] || [ "$(cat "$root/.ready")" != "$pkgs" ]; then
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  # The host's own Debian mirror (the first one its apt sources name for the main archive).
  mirror=$(grep -rhoE '(URIs:|^deb) +[a-z]+://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | awk '{print $2}' | head -n 1)
  [ -n "$mirror" ] || notrun "no Debian mirror in the apt sources to debootstrap trixie from"
  say "debootstrap trixie into $root (first run: a few minutes)"
  rm -rf "$root"
  mkdir -p "$(dirname "$root")"
  debootstrap --variant=minbase trixie "$root" "$mirror" >/dev/null
  mount --bind /proc "$root/proc"
  trap 'umount "$root/proc" 2>/dev/null || true' EXIT
  chroot "$root" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null"
  umount "$root/proc"
  trap - EXIT
  echo "$pkgs" >"$root/.ready"
fi
say "trixie: node $(chroot "$root" node --version), npm $(chroot "$root" npm --version), $(chroot "$root" gpiodetect --version | head -n 1)"

# A fresh copy of this checkout's HEAD, installed as the README says.
app=/opt/rpi-gpio-connector
rm -rf "$root$app"
mkdir -p "$root$app"
git archive HEAD | tar -x -C "$root$app"
# The network of this machine, not its software: name resolution, the CAs
# and npm settings it adds for reaching the registry.
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
fi
[ -f "$HOME/.npmrc" ] && cp "$HOME/.npmrc" "$root/root/.npmrc"
for m in proc sys dev; do mount --bind "/$m" "$root/$m"; done
trap 'for m in proc sys dev; do umount "$root/$m" 2>/dev/null || true; done' EXIT
say "in trixie: npm install && npm run build (the README's install command)"
chroot "$root" sh -c "cd $app && npm install --no-audit --no-fund && npm run build" >&2
if chroot "$root" sh -c "cd $app && node -e \"require('node-libgpiod')\"" 2>/dev/null; then
  say "node-libgpiod loads in trixie: unexpected (it binds libgpiod 1.x)"
else
  say "node-libgpiod did not build in trixie (libgpiod 2), as expected: npm dropped the optional addon"
fi
# The addon as the service loads it: the prebuilt one for linux-x64 (npm
# install compiles nothing), or a source build where none fits.
chroot "$root" sh -c "cd $app && node -e \"const n=require('./dist/adapters/gpio/native/addon.js'); const a=n.loadNativeAddon(); if (a._tag !== 'Right' || typeof a.right.request !== 'function') { console.error(a.left); process.exit(1) } console.error('check-trixie: the uAPI v2 addon loads from ' + n.nativeAddonPath().right)\"" ||
  { say "FAILED: the uAPI v2 addon does not load in trixie"; exit 1; }
for m in proc sys dev; do umount "$root/$m"; done
trap - EXIT

# What differs in trixie is the userland (libgpiod 2, no node-libgpiod, its
# node): the drivers' contract, edges, permissions, the service and several
# chips run from it. The interlock fuzz, the failsafe and the PWM specs drive
# the same cdev driver and the same prebuilt addon as the Bookworm run of
# npm run test:hardware, which runs them; here they would only double CI's time.
specs="spec/contract spec/kernel/edges.spec.ts spec/kernel/permissions.spec.ts spec/kernel/service.spec.ts spec/kernel/chips.spec.ts"
say "the hardware suite from the trixie tree, on the real kernel: $specs (not the interlock, failsafe and PWM specs: npm run test:hardware runs them on the same driver and addon)"
set +e
RPI_GPIO_KERNEL_SPECS="$specs" RPI_GPIO_VM_ENV="${RPI_GPIO_VM_ENV:+$RPI_GPIO_VM_ENV,}RPI_GPIO_KERNEL_SPECS" \
  scripts/vm/run.sh --timeout "${RPI_GPIO_VM_TIMEOUT:-3000}" --root "$root" --cwd "$root$app" -- sh scripts/test-hardware.sh --here
status=$?
set -e
case "$status" in
  0) say "passed" ;;
  124 | 125) say "FAILED: the VM could not run the suite ($status)"; exit 1 ;;
  *) exit "$status" ;;
esac
