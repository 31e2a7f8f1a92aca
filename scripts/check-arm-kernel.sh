#!/bin/sh
# The hardware suite's kernel specs (spec/contract, spec/kernel: edges and
# polls, outputs, the glitch check, release on SIGTERM, the service) on an
# ARM kernel: Debian trixie's arm64 kernel with gpio-sim under
# qemu-system-aarch64 (scripts/vm/run.sh --arch arm64, TCG: slow), booted with
# the arm64 trixie userland of scripts/check-arm.sh as its root, then with the
# armhf one on the same arm64 kernel (the compat path: a 32-bit process on a
# 64-bit kernel, as Raspberry Pi OS 32-bit on a Pi 3/4/5). The specs run
# from this checkout's files with node_modules installed in that userland
# (below), so the addon is the prebuilt one for the guest's arch,
# prebuilds/linux-arm64 or prebuilds/linux-arm.
#
#   scripts/check-arm-kernel.sh [arm64|armhf]...   (default: both)
#
# First scripts/vm/uapi-probe.js: every uAPI v2 call of the addon once, in
# the guest's ABI (chip and line info, an edge request and its events with
# their 64-bit timestamps and sequence numbers, values in and out); then
# scripts/vm/arm-service.js: the service as check-arm.sh installed it from the
# packed tarball (/opt/check-arm in the tree: no compiler, the prebuilt addon)
# started with the cdev driver and the userland's Mosquitto (an input change
# published, a write answered and on the line, lines released on SIGTERM);
# then the specs, unless RPI_GPIO_ARM_PROBE_ONLY=1 (the specs under TCG take long);
# RPI_GPIO_ARM_SPECS names others than spec/contract spec/kernel.
#
# Everything in the VM runs from a copy of this checkout inside the tree
# (/opt/rpi-gpio-connector-src: the working tree with dist/ as built here,
# without node_modules, build/ and .git) whose node_modules npm ci made in
# that userland (through qemu-user, with this machine's network): jest's
# resolver and the addon are native, and each arch needs its own (the addon
# the prebuilt one, no compiler there). Made again when package-lock.json changes.
#
# Needs what scripts/check-arm.sh and scripts/vm/prepare-arm64.sh need, and
# their trees. Exit: 0 passed, 1 failed, 77 could not run here (and says why).
set -eu
cd "$(dirname "$0")/.."
say() { echo "check-arm-kernel: $*" >&2; }
notrun() { say "NOT RUN: $*"; exit 77; }
[ "$(id -u)" = 0 ] || notrun "the VM's preparation needs root"
arches=${*:-arm64 armhf}
cache=${RPI_GPIO_ARM_CACHE:-/var/cache/rpi-gpio-connector/arm}
for a in $arches; do
  [ -f "$cache/trixie-$a/.ready" ] && [ -f "$cache/trixie-$a/opt/check-arm/node_modules/rpi-gpio-connector/dist/main.js" ] ||
    notrun "no $a trixie userland with the packed install in $cache: run scripts/check-arm.sh $a first"
done
[ -f dist/main.js ] || npm run build >/dev/null
. scripts/lib/foreign-userland.sh
foreign_host_ready
# Refreshes the tree's copy of this checkout; npm ci in the tree where its lock changed.
copy() { # arch
  root="$cache/trixie-$1"
  src="$root/opt/rpi-gpio-connector-src"
  mkdir -p "$src"
  find "$src" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
  tar -c --exclude=./node_modules --exclude=./build --exclude=./.git --exclude='./.tmp*' . | tar -x -C "$src"
  lock=$(sha256sum package-lock.json | cut -c1-64)
  if [ "$(cat "$src/node_modules/.check-arm-lock" 2>/dev/null)" != "$lock" ]; then
    say "$1: npm ci in the $1 tree (under qemu-user: a few minutes)"
    rm -rf "$src/node_modules"
    foreign_network "$root"
    for m in proc sys dev; do mount --bind "/$m" "$root/$m"; done
    set +e
    chroot "$root" sh -c "cd /opt/rpi-gpio-connector-src && npm ci --no-audit --no-fund --foreground-scripts" >"$src.npm-ci.log" 2>&1
    ci=$?
    set -e
    for m in proc sys dev; do umount "$root/$m"; done
    grep -E 'rpi-gpio-connector: |added [0-9]+ packages' "$src.npm-ci.log" | sed "s/^/check-arm-kernel: $1: npm: /" >&2 || true
    if [ "$ci" != 0 ]; then tail -n 30 "$src.npm-ci.log" >&2; say "FAILED: $1: npm ci in the tree"; exit 1; fi
    echo "$lock" >"$src/node_modules/.check-arm-lock"
  fi
  echo "$src"
}
failed=""
for a in $arches; do
  t0=$(date +%s)
  say "$a: the kernel specs on Debian's arm64 kernel (TCG)"
  set +e
  src=$(copy "$a")
  RPI_GPIO_ARM_SPECS=${RPI_GPIO_ARM_SPECS:-spec/contract spec/kernel} RPI_GPIO_VM_ENV=RPI_GPIO_ARM_PROBE_ONLY,RPI_GPIO_ARM_SPECS scripts/vm/run.sh --arch arm64 --chip pinctrl-bcm2711:58 --root "$cache/trixie-$a" --cwd "$src" --timeout "${RPI_GPIO_ARM_TIMEOUT:-3600}" -- sh -c '
    echo "check-arm-kernel: $(uname -m) kernel $(uname -r), userland $(dpkg --print-architecture), node $(node -p "process.arch + \" \" + process.version")"
    mountpoint -q /sys/kernel/tracing || mount -t tracefs none /sys/kernel/tracing 2>/dev/null
    node scripts/vm/uapi-probe.js || exit 1
    node scripts/vm/arm-service.js /opt/check-arm/node_modules/rpi-gpio-connector || exit 1
    [ "${RPI_GPIO_ARM_PROBE_ONLY:-}" = 1 ] && exit 0
    # The specs make their chips themselves: a second pinctrl-bcm2711 would be taken for theirs.
    d=/sys/kernel/config/gpio-sim/vm-chip0
    echo 0 >$d/live && rmdir $d/gpio-bank0 $d || exit 1
    GPIO_HARDWARE_SUITE=gpio-sim node node_modules/jest/bin/jest.js --ci --verbose --runInBand $RPI_GPIO_ARM_SPECS'
  status=$?
  set -e
  say "$a: exit $status after $(($(date +%s) - t0)) s"
  [ "$status" = 0 ] || failed="$failed $a"
done
[ -z "$failed" ] || { say "FAILED:$failed"; exit 1; }
say "passed: $arches"
