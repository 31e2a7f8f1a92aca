#!/bin/sh
# Runs a command as root in a throwaway virtual machine with a real Linux
# kernel and the kernel's gpio-sim, and exits with the command's status.
#
#   scripts/vm/run.sh [--chip LABEL:LINES]... [--cwd DIR] [--root DIR]
#                     [--mem MB] [--cpus N] [--timeout S] [--systemd]
#                     [--arch x86_64|arm64] -- COMMAND [ARG]...
#
# The guest sees the host's root file system (or --root DIR) read-only under a
# tmpfs overlay: whatever is installed on the host runs there, and whatever
# the command writes outside --cwd is thrown away. --cwd (default: the current
# directory) is shared read-write at the same path, and the command runs
# there. Each --chip becomes a live gpio-sim chip (/dev/gpiochipN, that label,
# that many lines) before the command starts. --systemd boots the root's own
# systemd as PID 1 (journald, udev, systemctl work) and runs the command as a
# unit once basic.target is up. Exit status: the command's; 125
# when the VM could not run it, 124 after --timeout (default 1800 s).
# --arch arm64 boots Debian trixie's arm64 kernel under qemu-system-aarch64
# (always TCG here; scripts/vm/prepare-arm64.sh), for a root that is an arm64
# userland (--root: scripts/check-arm.sh's trees; armhf runs on it too).
# See scripts/vm/README.md.
set -eu
say() { echo "vm: $*" >&2; }
here=$(cd "$(dirname "$0")" && pwd)

chips=""
cwd=$(pwd)
root=/
mem=${RPI_GPIO_VM_MEM:-2048}
cpus=${RPI_GPIO_VM_CPUS:-1}
limit=${RPI_GPIO_VM_TIMEOUT:-1800}
systemd=no
arch=${RPI_GPIO_VM_ARCH:-x86_64}
while [ $# -gt 0 ]; do
  case "$1" in
    --chip) chips="$chips $2"; shift 2 ;;
    --cwd) cwd=$(cd "$2" && pwd); shift 2 ;;
    --root) root=$(cd "$2" && pwd); shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --cpus) cpus=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    --systemd) systemd=yes; shift ;;
    --arch) arch=$2; shift 2 ;;
    --) shift; break ;;
    *) say "unknown option $1 (usage: scripts/vm/run.sh [--chip LABEL:LINES]... [--cwd DIR] [--root DIR] [--systemd] -- COMMAND...)"; exit 125 ;;
  esac
done
[ $# -gt 0 ] || { say "no command given"; exit 125; }
for c in $chips; do
  case "$c" in *:*[!0-9]* | *: | :*) say "--chip $c: expected LABEL:LINES, for example pinctrl-bcm2711:58"; exit 125 ;; esac
done

case "$arch" in
  x86_64) prepare=prepare.sh ;;
  arm64) prepare=prepare-arm64.sh ;;
  *) say "--arch $arch: x86_64 or arm64"; exit 125 ;;
esac
set +e
kernel=$("$here/$prepare")
prepared=$?
set -e
[ "$prepared" = 0 ] || exit "$prepared"
kernel=$(echo "$kernel" | tail -n 1)

# KVM where it really works (a paravirtual /dev/kvm may not run a guest: that
# is probed once and remembered), else TCG: plain emulation, 10-50x slower.
accel=tcg
probe="$(dirname "$kernel")/kvm-works"
if [ "$arch" = arm64 ]; then
  : # TCG: an x86 host cannot run an arm64 guest with KVM
elif [ "${RPI_GPIO_VM_ACCEL:-auto}" = kvm ] || { [ "${RPI_GPIO_VM_ACCEL:-auto}" = auto ] && [ -w /dev/kvm ]; }; then
  if [ ! -f "$probe" ]; then
    say "probing KVM"
    if RPI_GPIO_VM_ACCEL=kvm-probe RPI_GPIO_VM_TIMEOUT=60 "$0" --cwd / -- true >/dev/null 2>&1; then echo yes >"$probe"; else echo no >"$probe"; fi
  fi
  [ "$(cat "$probe")" = yes ] && accel=kvm
fi
[ "${RPI_GPIO_VM_ACCEL:-auto}" = kvm-probe ] && accel=kvm
if [ "$accel" = kvm ]; then cpu=host; else cpu=max; fi

ctl=$(mktemp -d)
boot=$(mktemp -d)
trap 'rm -rf "$ctl" "$boot"' EXIT
chmod 755 "$ctl"
echo "$cwd" >"$ctl/workdir"
if [ "$systemd" = yes ]; then
  [ -x "$root/lib/systemd/systemd" ] || { say "--systemd: $root has no /lib/systemd/systemd (apt-get install systemd udev)"; exit 77; }
  : >"$ctl/systemd"
fi
# The initramfs is the cached one with this checkout's init.sh appended (the
# kernel unpacks concatenated archives in order, a later file replacing an
# earlier one): a change to init.sh needs no new preparation.
mkdir "$boot/extra"
cp "$here/init.sh" "$boot/extra/init"
chmod 755 "$boot/extra/init"
(cd "$boot/extra" && echo init | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$boot/init.cpio.gz"
cat "$kernel/initrd.img" "$boot/init.cpio.gz" >"$boot/initrd.img"
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
  echo 'set -e'
  echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb RPI_GPIO_VM=1'
  # How the guest's CPU runs: an arm64 guest's /proc/cpuinfo names a Cortex-A72 whether emulated
  # or not (an x86 one under TCG says "QEMU TCG CPU"); timing bounds are not held under TCG.
  echo "export RPI_GPIO_VM_ACCEL_USED=$accel"
  # What the host's caller passed down (CI, test settings), never the host's whole environment.
  for v in CI LOG_LEVEL GPIO_HARDWARE_SUITE NODE_OPTIONS $(echo "${RPI_GPIO_VM_ENV:-}" | tr ',' ' '); do
    eval "isset=\${$v+x}"
    [ -z "$isset" ] || echo "export $v=$(eval quote "\"\${$v}\"")"
  done
  echo 'echo "vm: Linux $(uname -r) ($(uname -v | cut -c1-40)), $(nproc) CPU, $(awk "/MemTotal/ {print int(\$2 / 1024)}" /proc/meminfo) MiB"'
  n=0
  for c in $chips; do
    label=${c%:*}
    lines=${c##*:}
    d=/sys/kernel/config/gpio-sim/vm-chip$n
    echo "mkdir $d $d/gpio-bank0"
    echo "echo $lines >$d/gpio-bank0/num_lines"
    echo "printf %s $(quote "$label") >$d/gpio-bank0/label"
    echo "echo 1 >$d/live"
    echo "echo \"vm: chip \$(cat $d/gpio-bank0/chip_name) (\$(cat $d/gpio-bank0/label), $lines lines) on gpio-sim\""
    n=$((n + 1))
  done
  echo 'set +e'
  echo "cd $(quote "$cwd")"
  printf 'exec'
  for a in "$@"; do printf ' %s' "$(quote "$a")"; done
  echo
} >"$ctl/stage2.sh"

init=busybox
append=
if [ "$systemd" = yes ]; then init=systemd; append=" systemd.show_status=error systemd.log_color=0"; fi
say "booting $(basename "$kernel") under $accel ($cpus CPU, $mem MiB, init: $init)"

fs() { echo "local,path=$1,mount_tag=$2,security_model=passthrough,multidevs=remap$3"; }
set +e
if [ "$arch" = arm64 ]; then
  # A Raspberry Pi 4's core by default (Cortex-A72, ARMv8.0, AArch32 at EL0 for armhf); `max`
  # (every feature QEMU emulates) is one RPI_GPIO_VM_ARM_CPU=max,pauth-impdef=on away.
  set -- qemu-system-aarch64 -machine virt,accel=tcg -cpu "${RPI_GPIO_VM_ARM_CPU:-cortex-a72}"
  console=ttyAMA0
else
  set -- qemu-system-x86_64 -machine pc,accel="$accel" -cpu "$cpu"
  console=ttyS0
fi
timeout --foreground -k 10 "$limit" "$@" -m "$mem" -smp "$cpus" \
  -nodefaults -no-user-config -display none -nic none -no-reboot \
  -kernel "$kernel/vmlinuz" -initrd "$boot/initrd.img" \
  -append "console=$console quiet loglevel=3 panic=-1 rdinit=/init$append" \
  -chardev stdio,id=console,signal=off -serial chardev:console \
  -virtfs "$(fs "$root" hostroot ,readonly=on)" \
  -virtfs "$(fs "$ctl" vmctl '')" \
  -virtfs "$(fs "$cwd" vmwork '')" </dev/null
qemu=$?
set -e
if [ "$qemu" = 124 ]; then say "timed out after $limit s"; exit 124; fi
if [ ! -f "$ctl/status" ]; then say "the VM stopped without running the command to its end (QEMU exit status $qemu)"; exit 125; fi
exit "$(cat "$ctl/status")"
