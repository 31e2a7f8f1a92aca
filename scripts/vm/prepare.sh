#!/bin/sh
# Prepares what scripts/vm/run.sh boots, once per kernel version, then cached:
# Debian 12's own kernel (linux-image-6.1.0-*-amd64: both GPIO uAPI v1 and v2),
# the kernel's gpio-sim built out of tree for exactly that kernel (Debian
# builds it without CONFIG_GPIO_SIM), and a busybox initramfs that loads the
# modules and mounts the host's root read-only under a tmpfs overlay.
#
# Needs: x86-64, root, apt-get reaching Debian 12 "bookworm" (main). Prints the
# cache directory on its last line. Exit status 77: cannot be prepared here.
set -eu
say() { echo "vm-prepare: $*" >&2; }
cannot() { say "CANNOT PREPARE: $*"; exit 77; }

here=$(cd "$(dirname "$0")" && pwd)
cache=${RPI_GPIO_VM_CACHE:-/var/cache/rpi-gpio-connector/vm}

[ "$(uname -m)" = x86_64 ] || cannot "the VM is x86-64 (this machine is $(uname -m))"
[ "$(id -u)" = 0 ] || cannot "installing the kernel packages needs root (sudo npm run test:hardware)"
command -v apt-get >/dev/null 2>&1 || cannot "no apt-get: the kernel comes from Debian's packages"

apt_ready() { apt-cache policy linux-image-amd64 2>/dev/null | grep -q 'Candidate: 6\.1\.'; }
if ! apt_ready; then
  say "apt-get update"
  apt-get update -qq >&2
fi
apt_ready || cannot "apt offers no Debian 12 kernel (linux-image-amd64 6.1.x): this needs Debian 12 bookworm's main suite in the apt sources"

# The kernel: the ABI that linux-image-amd64 depends on, at its candidate version.
abi=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(6\.1\.0-[0-9]*-amd64\)$/\1/p' | head -n 1)
[ -n "$abi" ] || cannot "cannot tell which linux-image-6.1.0-*-amd64 linux-image-amd64 depends on"
ver=$(apt-cache policy "linux-image-$abi" | sed -n 's/^ *Candidate: //p')
dest="$cache/$abi"
# Ready for this kernel version. init.sh is not part of the key: run.sh
# appends the checkout's own init.sh to the initramfs at every boot.
if [ -f "$dest/ready" ] && [ "$(cut -d' ' -f1 "$dest/ready")" = "$ver" ]; then
  echo "$dest"
  exit 0
fi
say "preparing Linux $abi ($ver) in $dest (first run: about 215 MB to download, a minute to build)"

# Host tools: QEMU, a static busybox for the initramfs, the headers to build
# gpio-sim against. No recommends: QEMU's pull in a desktop's worth.
pkgs="qemu-system-x86 busybox-static linux-headers-$abi=$ver xz-utils make gcc"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download -q -o APT::Sandbox::User=root "linux-image-$abi=$ver" "linux-source-6.1=$ver" >&2
mkdir image
dpkg-deb -x "linux-image-${abi}_${ver}_amd64.deb" image
moddir="image/lib/modules/$abi"
busybox depmod -b image "$abi" # modules.dep is made at install time, not shipped

# gpio-sim out of tree: its source, gpiolib's private header, and the irq_sim
# it needs (CONFIG_IRQ_SIM is off too). irq_to_desc() is not exported to
# modules; generic_handle_irq() does the same job.
say "building gpio-sim.ko for $abi"
mkdir src mod
dpkg-deb --fsys-tarfile "linux-source-6.1_${ver}_all.deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz |
  tar -xJ -C src linux-source-6.1/drivers/gpio/gpio-sim.c linux-source-6.1/drivers/gpio/gpiolib.h linux-source-6.1/kernel/irq/irq_sim.c
s=src/linux-source-6.1
cp "$s/drivers/gpio/gpio-sim.c" mod/gpio-sim-core.c
cp "$s/drivers/gpio/gpiolib.h" mod/
sed 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$s/kernel/irq/irq_sim.c" >mod/irq_sim.c
grep -q 'generic_handle_irq(irqnum);' mod/irq_sim.c || cannot "irq_sim.c in linux-source-6.1 $ver no longer has the line this script patches"
printf 'obj-m += gpio-sim.o\ngpio-sim-y := gpio-sim-core.o irq_sim.o\n' >mod/Kbuild
make -s -C "/lib/modules/$abi/build" M="$work/mod" modules >&2 2>mod/build.log || { cat mod/build.log >&2; exit 1; }

# The initramfs: busybox, /init, and the modules to load in order (each
# after what modules.dep says it needs).
say "building the initramfs"
mkdir -p initrd/bin initrd/lib/modules initrd/etc initrd/proc initrd/sys initrd/dev initrd/lower initrd/rw initrd/newroot
cp /bin/busybox initrd/bin/busybox
ln -s busybox initrd/bin/sh
cp "$here/init.sh" initrd/init
chmod 755 initrd/init
: >initrd/etc/modules.load
load() { # $1: a path relative to $moddir, as modules.dep names it
  grep -qx "$1" initrd/etc/modules.load && return 0
  deps=$(sed -n "s|^$1: *||p" "$moddir/modules.dep")
  for d in $(echo "$deps" | tr ' ' '\n' | tac); do load "$d"; done
  cp "$moddir/$1" initrd/lib/modules/
  echo "$1" >>initrd/etc/modules.load
}
for m in virtio_pci 9pnet_virtio 9p overlay configfs; do
  path=$(grep -o "^[^:]*/$m\.ko" "$moddir/modules.dep" | head -n 1)
  [ -n "$path" ] || cannot "no $m.ko in linux-image-$abi"
  load "$path"
done
cp mod/gpio-sim.ko initrd/lib/modules/
echo gpio-sim.ko >>initrd/etc/modules.load
sed -i 's|.*/||' initrd/etc/modules.load
(cd initrd && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >initrd.img

rm -rf "$dest.new"
mkdir -p "$dest.new"
cp "image/boot/vmlinuz-$abi" "$dest.new/vmlinuz"
cp initrd.img mod/gpio-sim.ko "$dest.new/"
echo "$ver $(sha256sum "$here/init.sh" | cut -c1-16)" >"$dest.new/ready"
rm -rf "$dest"
mv "$dest.new" "$dest"
say "ready: $dest"
echo "$dest"
