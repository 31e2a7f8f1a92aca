#!/bin/sh
# npm run test:hardware: the GPIO driver contract suite and the built service
# end to end against the real kernel's gpio-sim (real /dev/gpiochipN, the
# system's libgpiod, node-libgpiod, a real Mosquitto).
#
# Where this kernel has gpio-sim (a board, a VM) it runs here. Otherwise, on
# an x86-64 Debian 12 machine as root, it runs in a virtual machine with
# Debian's own kernel (scripts/vm/run.sh). Then, in the VM only, the systemd
# suite (spec/systemd): the VM booted with systemd as PID 1, deploy/install.sh
# run as the README says, the unit started, crashed, stopped. Exit status: 0
# passed, 1 failed, 77 did not run (and says why): never a pass it did not earn.
#
#   RPI_GPIO_HARDWARE=here|vm   force one way (default: here when gpio-sim is
#                               available, else vm)
#   scripts/test-hardware.sh --systemd   only the systemd suite (in the VM)
set -eu
cd "$(dirname "$0")/.."
say() { echo "test:hardware: $*" >&2; }
notrun() { say "NOT RUN: $*"; exit 77; }

gpio_sim_here() {
  [ "$(id -u)" = 0 ] || return 1
  if [ ! -d /sys/kernel/config/gpio-sim ]; then
    modprobe gpio-sim 2>/dev/null || true
    mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config 2>/dev/null || true
  fi
  [ -d /sys/kernel/config/gpio-sim ]
}

# The suites, on this kernel. The VM runs this with --here.
run_here() {
  [ "$(id -u)" = 0 ] || notrun "creating gpio-sim chips needs root (sudo npm run test:hardware)"
  gpio_sim_here || notrun "this kernel has no gpio-sim (CONFIG_GPIO_SIM, modprobe gpio-sim, configfs on /sys/kernel/config)"
  command -v gpioinfo >/dev/null || notrun "gpioinfo is missing (Debian package gpiod)"
  mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
  mountpoint -q /sys/kernel/tracing || mount -t tracefs none /sys/kernel/tracing 2>/dev/null || true
  say "on Linux $(uname -r) ($(uname -v)), libgpiod $(gpiodetect --version | head -n 1 | sed 's/.*v//')"
  [ -f dist/main.js ] || npm run build
  set +e
  # RPI_GPIO_KERNEL_SPECS: which specs (default: all of spec/contract and spec/kernel); said aloud when narrowed.
  specs=${RPI_GPIO_KERNEL_SPECS:-spec/contract spec/kernel}
  [ -z "${RPI_GPIO_KERNEL_SPECS:-}" ] || say "only these specs: $specs"
  # shellcheck disable=SC2086
  mkdir -p .tmp && rm -f .tmp/kernel-results.json
  GPIO_HARDWARE_SUITE=gpio-sim npx jest --ci --verbose --runInBand --json --outputFile=.tmp/kernel-results.json $specs
  status=$?
  set -e
  if [ "$status" != 0 ]; then
    # Last, where a log cut in the middle still shows it: which tests failed, and why.
    [ -f .tmp/kernel-results.json ] && node scripts/failed-tests.js .tmp/kernel-results.json >&2
    exit "$status"
  fi
  # The suite must be able to fail: drivers that request inputs without
  # their bias (dist/ copied, the bias flags dropped) must not pass it.
  say "deliberately broken drivers (inputs requested without their bias) must fail the contract suite"
  rm -rf .tmp/broken && mkdir -p .tmp/broken && cp -r dist .tmp/broken/dist && ln -s "$PWD/build" .tmp/broken/build && ln -s "$PWD/prebuilds" .tmp/broken/prebuilds
  for f in .tmp/broken/dist/adapters/gpio/libgpiod/driver.js .tmp/broken/dist/adapters/gpio/cdev/driver.js; do
    sed -i 's/(p\.bias === .pull-up. ? [^)]*)/0/; s/(p\.bias === .pull-down. ? [^)]*)/0/' "$f"
    if grep -qE '\? [A-Za-z0-9_.]*BIAS_PULL_(UP|DOWN) :' "$f"; then say "FAILED: could not break $f (its bias flags moved): fix this check"; exit 1; fi
  done
  set +e
  RPI_GPIO_DIST="$PWD/.tmp/broken/dist" GPIO_HARDWARE_SUITE=gpio-sim npx jest --ci --verbose --runInBand spec/contract \
    -t 'pulls an undriven input to its bias' >.tmp/broken/jest.log 2>&1
  broken=$?
  set -e
  grep -E '✓|✕|Tests:' .tmp/broken/jest.log >&2 || true
  if [ "$broken" = 0 ] || grep -q '✓' .tmp/broken/jest.log; then
    cat .tmp/broken/jest.log >&2
    say "FAILED: the contract suite passed a driver that drops the bias"
    exit 1
  fi
  say "every broken driver failed, as it must; the real ones passed"
}

# The systemd suite, in the VM booted with systemd (run.sh --systemd).
systemd_here() {
  [ "${RPI_GPIO_VM:-}" = 1 ] || notrun "the systemd suite installs a user, a group and a unit: it runs only in the VM"
  say "systemd $(systemctl --version | head -n 1 | cut -d' ' -f2) as PID 1, on Linux $(uname -r)"
  GPIO_HARDWARE_SUITE=systemd npx jest --ci --verbose --runInBand spec/systemd
}

# The VM with systemd as PID 1; its time is part of what CI reports.
systemd_vm() {
  t0=$(date +%s)
  set +e
  scripts/vm/run.sh --systemd -- sh scripts/test-hardware.sh --systemd-here
  status=$?
  set -e
  say "systemd suite: exit status $status after $(($(date +%s) - t0)) s (boot included)"
  case "$status" in
    124) say "FAILED: the systemd VM timed out" ; exit 1 ;;
    125) say "FAILED: the systemd VM could not run the suite" ; exit 1 ;;
  esac
  [ "$status" = 0 ] || exit "$status"
}

case "${1:-}" in
  --here) run_here; exit 0 ;;
  --systemd-here) systemd_here; exit 0 ;;
esac

way=${RPI_GPIO_HARDWARE:-}
if [ -z "$way" ]; then
  if gpio_sim_here; then way=here; else way=vm; fi
fi
[ "${1:-}" = --systemd ] && way=vm
if [ "$way" = here ]; then
  run_here
  say "systemd suite NOT RUN: it installs a user, a group and a unit, so it runs only in the VM (RPI_GPIO_HARDWARE=vm)"
  exit 0
fi

# In the VM: the host's root read-only under an overlay, this checkout read-write.
[ "$(id -u)" = 0 ] || notrun "the VM needs root, to install QEMU and Debian's kernel (sudo npm run test:hardware)"
if ! command -v gpioinfo >/dev/null || [ ! -x /usr/sbin/mosquitto ]; then
  command -v apt-get >/dev/null || notrun "no apt-get to install gpiod and mosquitto"
  say "installing gpiod and mosquitto (Debian packages)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gpiod mosquitto >/dev/null
fi
[ -x /lib/systemd/systemd ] && command -v udevadm >/dev/null || {
  command -v apt-get >/dev/null || notrun "no apt-get to install systemd and udev (the systemd suite boots them)"
  say "installing systemd and udev (Debian packages)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd udev >/dev/null
}
npm run build >/dev/null
if [ "${1:-}" = --systemd ]; then systemd_vm; exit 0; fi
set +e
# Under emulation the kernel suite (two chips, the interlock fuzz, the failsafe and PWM specs) takes
# 20-35 minutes: run.sh's default 30-minute limit is too close.
# RPI_GPIO_KERNEL_SPECS goes down into the VM (run.sh passes only what RPI_GPIO_VM_ENV names).
RPI_GPIO_VM_ENV="RPI_GPIO_KERNEL_SPECS${RPI_GPIO_VM_ENV:+,$RPI_GPIO_VM_ENV}" \
  scripts/vm/run.sh --timeout "${RPI_GPIO_VM_TIMEOUT:-3000}" -- sh scripts/test-hardware.sh --here
status=$?
set -e
case "$status" in
  124) say "FAILED: the VM timed out" ; exit 1 ;;
  125) say "FAILED: the VM could not run the suite" ; exit 1 ;;
esac
[ "$status" = 0 ] || exit "$status"
systemd_vm
