#!/bin/sh
# Prepares what scripts/vm/run.sh --arch arm64 boots under qemu-system-aarch64,
# once per kernel version, then cached: Debian 13 "trixie"'s own arm64 kernel
# (linux-image-arm64, 6.12), the kernel's gpio-sim built out of tree for
# exactly that kernel (trixie's arm64 kernel is built without CONFIG_GPIO_SIM
# too, and without CONFIG_IRQ_SIM: the same two files as prepare.sh), and a
# busybox (trixie's arm64 busybox-static) initramfs with the x86 VM's /init
# (scripts/vm/init.sh) loading 9p, the overlay, configfs and gpio-sim.
#
# The packages come from trixie through a private apt state (the host's apt
# sources and lists are not touched). gpio-sim is cross-compiled with trixie's
# own gcc-14 for arm64 (the compiler the kernel was built with) and trixie's
# amd64 kbuild tools, which need trixie's glibc: so in an overlay over the x86
# trixie userland that scripts/check-trixie.sh makes (RPI_GPIO_TRIXIE_ROOT,
# default /var/cache/rpi-gpio-connector/trixie-root; only read: the compiler
# is installed in the overlay's throwaway upper layer).
#
# Needs x86-64 and root. Prints the cache directory on its last line. Exit
# status 77: cannot be prepared here.
set -eu
say() { echo "vm-prepare-arm64: $*" >&2; }
cannot() { say "CANNOT PREPARE: $*"; exit 77; }

here=$(cd "$(dirname "$0")" && pwd)
cache=${RPI_GPIO_ARM_VM_CACHE:-/var/cache/rpi-gpio-connector/arm/vm}
trixie=${RPI_GPIO_TRIXIE_ROOT:-/var/cache/rpi-gpio-connector/trixie-root}
mirror=${RPI_GPIO_DEBIAN_MIRROR:-$(grep -rhoE '(URIs:|^deb) +[a-z]+://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | awk '{print $2}' | head -n 1)}

[ "$(uname -m)" = x86_64 ] || cannot "x86-64 only (this machine is $(uname -m))"
[ "$(id -u)" = 0 ] || cannot "apt-get, mount and chroot need root"
[ -n "$mirror" ] || cannot "no Debian mirror in the apt sources"
command -v qemu-system-aarch64 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-arm >/dev/null ||
  cannot "cannot install qemu-system-arm"
command -v cpio >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cpio >/dev/null

# trixie's package lists, arm64 and amd64, in a private apt state.
apt="$cache/apt"
mkdir -p "$apt/lists/partial" "$apt/archives/partial"
echo "deb [arch=arm64,amd64] $mirror trixie main" >"$apt/sources.list"
A="-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt
   -o Debug::NoLocking=1 -o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o APT::Architectures::=arm64 -o APT::Sandbox::User=root"
# shellcheck disable=SC2086
if [ -z "$(find "$apt/lists" -name '*_Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then apt-get $A update -qq >&2 || cannot "apt-get update (trixie) failed"; fi
# shellcheck disable=SC2086
image=$(apt-cache $A depends linux-image-arm64:arm64 | sed -n 's/.*Depends: \(linux-image-[0-9][^ :]*-arm64\)\(:arm64\)\?$/\1/p' | head -n 1)
[ -n "$image" ] || cannot "cannot tell which linux-image-*-arm64 linux-image-arm64 depends on"
abi=${image#linux-image-}
# shellcheck disable=SC2086
ver=$(apt-cache $A policy "$image:arm64" | sed -n 's/^ *Candidate: //p')
upstream=${abi%%+*}
series=$(echo "$upstream" | cut -d. -f1,2)
dest="$cache/$abi"
if [ -f "$dest/ready" ] && [ "$(cut -d' ' -f1 "$dest/ready")" = "$ver" ]; then
  echo "$dest"
  exit 0
fi
say "preparing Linux $abi ($ver) in $dest (first run: about 270 MB to download, a few minutes)"
[ -f "$trixie/.ready" ] || cannot "no x86 trixie userland in $trixie to build gpio-sim in: run scripts/check-trixie.sh first"

work=$(mktemp -d)
ovl=$work/ovl
cleanup() {
  umount "$ovl/merged/proc" 2>/dev/null || true
  umount "$ovl/merged" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
# shellcheck disable=SC2086
apt-get $A download -q "$image:arm64=$ver" "linux-headers-$abi:arm64=$ver" "linux-headers-$upstream+deb13-common=$ver" \
  "linux-kbuild-$upstream+deb13:amd64=$ver" "linux-source-$series=$ver" busybox-static:arm64 >&2
mkdir image bb
dpkg-deb -x "$(ls linux-image-*.deb)" image
dpkg-deb -x "$(ls busybox-static_*.deb)" bb
moddir=$(ls -d image/lib/modules/"$abi" image/usr/lib/modules/"$abi" 2>/dev/null | head -n 1)
# modules.dep is made at install time, not shipped: kmod's depmod (it reads .ko.xz).
command -v depmod >/dev/null || PATH=$PATH:/sbin:/usr/sbin
command -v depmod >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kmod >/dev/null
[ -f "$moddir/modules.dep" ] || depmod -b "${moddir%/lib/modules/*}" "$abi"
grep -q '^CONFIG_GPIO_SIM=[ym]' image/boot/config-"$abi" && say "note: $abi has gpio-sim of its own now; this still builds it out of tree"

say "building gpio-sim.ko for $abi (trixie's gcc-14 for arm64, in an overlay over $trixie)"
mkdir -p "$ovl/upper" "$ovl/work" "$ovl/merged"
mount -t overlay overlay -o "lowerdir=$trixie,upperdir=$ovl/upper,workdir=$ovl/work" "$ovl/merged"
mount --bind /proc "$ovl/merged/proc"
cp /etc/resolv.conf "$ovl/merged/etc/resolv.conf"
chroot "$ovl/merged" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc-aarch64-linux-gnu make dwarves >/dev/null" 2>&1 |
  grep -v 'Is /dev/pts mounted' >&2 || true
for d in linux-headers-*.deb linux-kbuild-*.deb; do dpkg-deb -x "$d" "$ovl/merged"; done
m=$ovl/merged/build/mod
mkdir -p "$m" src
dpkg-deb --fsys-tarfile "$(ls linux-source-*.deb)" | tar -xO "./usr/src/linux-source-$series.tar.xz" |
  tar -xJ -C src "linux-source-$series/drivers/gpio/gpio-sim.c" "linux-source-$series/drivers/gpio/gpiolib.h" "linux-source-$series/kernel/irq/irq_sim.c"
s=src/linux-source-$series
cp "$s/drivers/gpio/gpio-sim.c" "$m/gpio-sim-core.c"
cp "$s/drivers/gpio/gpiolib.h" "$m/"
sed 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$s/kernel/irq/irq_sim.c" >"$m/irq_sim.c"
grep -q 'generic_handle_irq(irqnum);' "$m/irq_sim.c" || cannot "irq_sim.c in linux-source-$series $ver no longer has the line this script patches"
printf 'obj-m += gpio-sim.o\ngpio-sim-y := gpio-sim-core.o irq_sim.o\n' >"$m/Kbuild"
chroot "$ovl/merged" make -s -C "/usr/src/linux-headers-$abi" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- M=/build/mod modules >&2 2>"$work/build.log" ||
  { cat "$work/build.log" >&2; exit 1; }
cp "$m/gpio-sim.ko" "$work/gpio-sim.ko"
umount "$ovl/merged/proc"
umount "$ovl/merged"

say "building the initramfs"
mkdir -p initrd/bin initrd/lib/modules initrd/etc initrd/proc initrd/sys initrd/dev initrd/lower initrd/rw initrd/newroot
cp "$(ls bb/bin/busybox bb/usr/bin/busybox 2>/dev/null | head -n 1)" initrd/bin/busybox
ln -s busybox initrd/bin/sh
cp "$here/init.sh" initrd/init
chmod 755 initrd/init
: >initrd/etc/modules.load
load() { # $1: a path relative to $moddir, as modules.dep names it (.ko.xz decompressed here: busybox's insmod reads plain .ko)
  grep -qx "$1" initrd/etc/modules.load && return 0
  deps=$(sed -n "s|^$1: *||p" "$moddir/modules.dep")
  for d in $(echo "$deps" | tr ' ' '\n' | tac); do load "$d"; done
  base=$(basename "$1")
  case "$base" in
    *.xz) xz -dc "$moddir/$1" >"initrd/lib/modules/${base%.xz}" ;;
    *) cp "$moddir/$1" initrd/lib/modules/ ;;
  esac
  echo "$1" >>initrd/etc/modules.load
}
for mod in 9pnet_virtio 9p overlay configfs; do
  path=$(grep -o "^[^:]*/$mod\.ko[.a-z]*" "$moddir/modules.dep" | head -n 1)
  if [ -z "$path" ]; then
    grep -q "/$mod\.ko" "$moddir/modules.builtin" || cannot "no $mod in $image (neither a module nor built in)"
    continue
  fi
  load "$path"
done
cp "$work/gpio-sim.ko" initrd/lib/modules/
echo gpio-sim.ko >>initrd/etc/modules.load
sed -i 's|.*/||; s|\.xz$||' initrd/etc/modules.load
(cd initrd && find . | cpio -o -H newc 2>/dev/null | gzip -1) >initrd.img

rm -rf "$dest.new"
mkdir -p "$dest.new"
cp "image/boot/vmlinuz-$abi" "$dest.new/vmlinuz"
cp initrd.img "$work/gpio-sim.ko" "$dest.new/"
echo "$ver" >"$dest.new/ready"
rm -rf "$dest"
mv "$dest.new" "$dest"
say "ready: $dest"
echo "$dest"
