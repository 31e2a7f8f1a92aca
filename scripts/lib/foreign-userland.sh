# Sourced by scripts/check-arm.sh and scripts/check-arm-install.sh: what running
# a foreign (ARM) Debian userland here needs. The caller defines say() and notrun().

# x86-64, root, apt; debootstrap, qemu-user-static and binfmt-support installed
# where missing; binfmt_misc mounted with the qemu-aarch64 and qemu-arm entries.
foreign_host_ready() {
  [ "$(uname -m)" = x86_64 ] || notrun "x86-64 only (it runs the ARM userlands under qemu-user)"
  [ "$(id -u)" = 0 ] || notrun "debootstrap, binfmt_misc and chroot need root"
  command -v apt-get >/dev/null || notrun "no apt-get"
  need=""
  command -v debootstrap >/dev/null || need="$need debootstrap"
  [ -x /usr/bin/qemu-aarch64-static ] && [ -x /usr/bin/qemu-arm-static ] || need="$need qemu-user-static"
  command -v update-binfmts >/dev/null || need="$need binfmt-support"
  if [ -n "$need" ]; then
    say "installing$need"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
  fi
  [ -f /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null ||
    notrun "cannot mount binfmt_misc (a container without it): foreign binaries cannot run here"
  for q in qemu-aarch64 qemu-arm; do
    [ -f "/proc/sys/fs/binfmt_misc/$q" ] || update-binfmts --enable "$q" >/dev/null 2>&1 || true
    [ -f "/proc/sys/fs/binfmt_misc/$q" ] || notrun "binfmt_misc has no $q entry (update-binfmts --enable $q failed)"
  done
}

# The host's own Debian mirror (the first one its apt sources name for the main archive).
debian_mirror() {
  grep -rhoE '(URIs:|^deb) +[a-z]+://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | awk '{print $2}' | head -n 1
}

# root: the network of this machine, not its software, in the tree: name
# resolution, the CAs and npm settings it adds for reaching the registry.
foreign_network() {
  cp /etc/resolv.conf "$1/etc/resolv.conf" 2>/dev/null || true
  grep -qw "$(hostname)" "$1/etc/hosts" 2>/dev/null || echo "127.0.1.1 $(hostname)" >>"$1/etc/hosts"
  if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
    mkdir -p "$1/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$1/usr/local/share/ca-certificates/"
    chroot "$1" sh -c 'command -v update-ca-certificates >/dev/null && update-ca-certificates' >/dev/null 2>&1 || true
  fi
  if [ -f "$HOME/.npmrc" ]; then mkdir -p "$1/root" && cp "$HOME/.npmrc" "$1/root/.npmrc"; fi
}
