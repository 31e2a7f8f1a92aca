#!/bin/sh
# The GPIO driver contract suite against the kernel's gpio-sim: real
# /dev/gpiochipN devices, the real libgpiod, the real node-libgpiod. For a Pi,
# or a VM whose kernel has the module. Exit status: 0 passed, 1 failed,
# 77 did not run (and says why).
set -eu
cd "$(dirname "$0")/.."
CFG=/sys/kernel/config/gpio-sim
if [ ! -d "$CFG" ] && [ "$(id -u)" = 0 ]; then
  modprobe gpio-sim 2>/dev/null || true
  mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config 2>/dev/null || true
fi
if [ ! -d "$CFG" ]; then
  echo "test:hardware: NOT RUN: the kernel's gpio-sim is not available here ($CFG does not exist; it needs CONFIG_GPIO_SIM, modprobe gpio-sim, and configfs on /sys/kernel/config)" >&2
  exit 77
fi
if [ "$(id -u)" != 0 ]; then
  echo "test:hardware: NOT RUN: creating gpio-sim chips needs root (sudo npm run test:hardware)" >&2
  exit 77
fi
npm run build
GPIO_HARDWARE_SUITE=gpio-sim npx jest spec/contract --testNamePattern 'kernel gpio-sim'
