#!/bin/sh
# /init of the VM's initramfs (busybox). Loads the modules, mounts the host's
# root (9p tag "hostroot", read-only) under a tmpfs overlay, the control
# directory (tag "vmctl") on /run/vm and the working directory (tag "vmwork",
# read-write) at its host path, then runs /run/vm/stage2.sh in that root and
# hands its exit status back through /run/vm/status; or, when run.sh --systemd
# left /run/vm/systemd, boots the root's systemd as PID 1 with the command as
# a unit. run.sh appends this file to the cached initramfs at every boot.
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
die() { echo "vm-init: $*"; poweroff -f; }
while read -r m; do insmod "/lib/modules/$m" || die "cannot load $m"; done </etc/modules.load

p9='trans=virtio,version=9p2000.L,msize=262144'
mount -t 9p -o "$p9,ro,cache=loose" hostroot /lower || die "cannot mount the host root"
mount -t tmpfs -o mode=755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot || die "cannot mount the overlay"
r=/newroot
mount -t proc proc $r/proc
mount -t sysfs sysfs $r/sys
mount -t devtmpfs devtmpfs $r/dev
mkdir -p $r/dev/pts $r/dev/shm
mount -t devpts devpts $r/dev/pts
mount -t tmpfs tmpfs $r/dev/shm
mount -t tmpfs -o mode=1777 tmpfs $r/tmp
mount -t tmpfs -o mode=755 tmpfs $r/run
mkdir -p $r/run/vm $r/run/lock
mount -t 9p -o "$p9" vmctl $r/run/vm || die "cannot mount the control directory"
workdir=$(cat $r/run/vm/workdir)
if [ -n "$workdir" ]; then
  mkdir -p "$r$workdir"
  mount -t 9p -o "$p9" vmwork "$r$workdir" || die "cannot mount the working directory"
fi
mount -t configfs configfs $r/sys/kernel/config
mount -t debugfs debugfs $r/sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs $r/sys/kernel/tracing 2>/dev/null
ip link set lo up
hostname gpio-vm

# run.sh --systemd: the root's own systemd boots as PID 1, to a target that
# is sysinit + basic (journald, udev, tmpfiles; none of the host's enabled
# services) and the command as a unit, which writes its status and powers off.
if [ -f $r/run/vm/systemd ]; then
  [ -x $r/lib/systemd/systemd ] || die "--systemd: the root has no /lib/systemd/systemd (Debian package systemd)"
  : >$r/etc/fstab # the host's disks are not this VM's
  rm -f $r/.dockerenv # nor is its container: this is a VM
  u=$r/etc/systemd/system
  mkdir -p $u
  cat >$u/vm-command.target <<'UNIT'
[Unit]
Description=scripts/vm/run.sh --systemd: the command, after basic.target
Requires=basic.target vm-command.service
After=basic.target vm-command.service
AllowIsolate=yes
UNIT
  cat >$u/vm-command.service <<'UNIT'
[Unit]
Description=scripts/vm/run.sh --systemd: the command
After=basic.target systemd-udev-trigger.service systemd-journald.service
SuccessAction=poweroff-immediate
FailureAction=poweroff-immediate
[Service]
Type=oneshot
ExecStart=/bin/sh -c '/bin/sh /run/vm/stage2.sh; echo $? >/run/vm/status'
StandardInput=null
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/console
TimeoutStartSec=infinity
UNIT
  ln -sf vm-command.target $u/default.target
  ln -sf /dev/null $u/proc-sys-fs-binfmt_misc.automount # no autofs4 in the initramfs
  exec switch_root $r /lib/systemd/systemd
fi

chroot $r /bin/sh /run/vm/stage2.sh </dev/console >/dev/console 2>&1
echo $? >$r/run/vm/status
sync
poweroff -f
