#!/bin/sh
# Installs this checkout as the systemd service rpi-gpio-connector: the steps
# of README.md, "Installing on Raspberry Pi OS", done idempotently (run it
# again after `git pull && npm install && npm run build`, or to change node).
#
#   sudo deploy/install.sh [--node PATH] [--config FILE] [--no-start]
#
#   --node PATH    the node to run the service with (default: `command -v node`,
#                  on root's PATH: sudo's secure_path has /usr/local/bin and /usr/bin)
#   --config FILE  install FILE as /etc/rpi-gpio-connector/config.yaml (replacing
#                  it); without it an existing config is kept, and a new install
#                  gets the sample config.yaml, to edit before starting
#   --no-start     install and enable, do not (re)start
#
# What it does, each step only where it is not done already:
#   1. the group gpio (a fresh Debian has none; Raspberry Pi OS has it), and
#      deploy/60-gpiochip.rules where no udev rule gives /dev/gpiochip* to it;
#   2. the system user gpio-bridge (group gpio-bridge, in gpio, no login, no home);
#   3. /etc/rpi-gpio-connector/config.yaml, mode 0640 root:gpio-bridge (it may
#      hold mqtt.password), and checks that the TLS files it names are readable
#      by gpio-bridge;
#   4. the unit in /etc/systemd/system, and a drop-in
#      (rpi-gpio-connector.service.d/node.conf) whose ExecStart runs the node
#      found in step 0 on this checkout: the unit's /usr/bin/node is Trixie's
#      and NodeSource's, not every Bookworm install's;
#   5. systemctl daemon-reload, enable, and restart (or start).
# Exit status: 0 installed; 1 a step failed (it says which and why).
set -eu
say() { echo "install: $*"; }
fail() { echo "install: FAILED: $*" >&2; exit 1; }

dir=$(cd "$(dirname "$0")/.." && pwd)
node=""
config=""
start=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --node) [ $# -ge 2 ] || fail "--node needs a path"; node=$2; shift 2 ;;
    --config) [ $# -ge 2 ] || fail "--config needs a file"; config=$2; shift 2 ;;
    --no-start) start=no; shift ;;
    -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown option $1 (usage: sudo deploy/install.sh [--node PATH] [--config FILE] [--no-start])" ;;
  esac
done

UNIT=rpi-gpio-connector
USER_NAME=gpio-bridge
ETC=/etc/rpi-gpio-connector
CONF=$ETC/config.yaml
DROPIN=/etc/systemd/system/$UNIT.service.d/node.conf

[ "$(id -u)" = 0 ] || fail "run it as root: sudo deploy/install.sh"
[ -f "$dir/dist/main.js" ] || fail "$dir/dist/main.js is missing: run 'sudo npm install && sudo npm run build' in $dir first"
[ -z "$config" ] || [ -r "$config" ] || fail "--config $config: no such file"

# Places the unit's ProtectHome=yes hides from the service.
hidden() { case "$1" in /home/* | /root/* | /run/user/*) return 0 ;; esac; return 1; }

# 0. node: an absolute path, Node.js 20 or later, where the service can see it.
if [ -z "$node" ]; then
  node=$(command -v node || true)
  [ -n "$node" ] || fail "no node on root's PATH ($PATH): install Node.js 20 or later system-wide, or give --node /path/to/node"
fi
case "$node" in /*) ;; *) fail "--node $node: give an absolute path" ;; esac
[ -x "$node" ] || fail "$node is not an executable"
major=$("$node" -p 'process.versions.node.split(".")[0]' 2>/dev/null) || fail "$node does not run"
[ "$major" -ge 20 ] || fail "$node is Node.js $("$node" --version): the service needs 20 or later (on Bookworm, apt's nodejs is 18)"
real=$(readlink -f "$node")
if hidden "$real"; then
  fail "$node is $real, under a home directory, which the unit's ProtectHome=yes hides from the service (nvm puts node there): install Node.js 20 system-wide (/usr/local, or NodeSource's /usr/bin/node) and run this again"
fi
hidden "$dir/" && fail "this checkout is in $dir, under a home directory that the unit's ProtectHome=yes hides: clone it to /opt/rpi-gpio-connector"
say "node: $node (Node.js $("$node" --version)); checkout: $dir"

# 1. The gpio group, and the udev rule that gives it the GPIO chips.
if getent group gpio >/dev/null; then
  say "group gpio: exists"
else
  groupadd --system gpio
  say "group gpio: created"
fi
rules=$(grep -ls 'KERNEL=="gpiochip\*".*GROUP="gpio"\|SUBSYSTEM=="gpio".*GROUP="gpio"' /etc/udev/rules.d/*.rules /usr/lib/udev/rules.d/*.rules /lib/udev/rules.d/*.rules 2>/dev/null | grep -v '/60-gpiochip\.rules$' | head -n 1 || true)
if [ -n "$rules" ]; then
  say "udev: $rules gives /dev/gpiochip* to the gpio group"
else
  if cmp -s "$dir/deploy/60-gpiochip.rules" /etc/udev/rules.d/60-gpiochip.rules; then
    say "udev: /etc/udev/rules.d/60-gpiochip.rules: installed"
  else
    install -D -m 0644 "$dir/deploy/60-gpiochip.rules" /etc/udev/rules.d/60-gpiochip.rules
    say "udev: installed /etc/udev/rules.d/60-gpiochip.rules"
  fi
  # Apply it to the chips there are now (udev applies it to later ones itself).
  if udevadm control --reload 2>/dev/null; then
    udevadm trigger --settle --action=change --subsystem-match=gpio
  else
    say "udev: not running here, so the rule applies from the next boot"
  fi
fi

# 2. The service user, in the gpio group.
if id "$USER_NAME" >/dev/null 2>&1; then
  if id -nG "$USER_NAME" | tr ' ' '\n' | grep -qx gpio; then
    say "user $USER_NAME: exists, in group gpio"
  else
    usermod -a -G gpio "$USER_NAME"
    say "user $USER_NAME: added to group gpio"
  fi
else
  useradd --system --user-group --groups gpio --home-dir "$dir" --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
  say "user $USER_NAME: created (group $USER_NAME, in gpio)"
fi

# 3. The config: readable by root and the service's group only (mqtt.password).
install -d -m 0750 -o root -g "$USER_NAME" "$ETC"
fresh=no
if [ -n "$config" ]; then
  install -m 0640 -o root -g "$USER_NAME" "$config" "$CONF"
  say "config: installed $config as $CONF (0640 root:$USER_NAME)"
elif [ -e "$CONF" ]; then
  chown root:"$USER_NAME" "$CONF"
  chmod 0640 "$CONF"
  say "config: kept $CONF (0640 root:$USER_NAME)"
else
  install -m 0640 -o root -g "$USER_NAME" "$dir/config.yaml" "$CONF"
  fresh=yes
  say "config: installed the sample as $CONF (0640 root:$USER_NAME): edit it"
fi
# The TLS files it names (mqtt.ca, mqtt.cert, mqtt.key) must be readable by
# the service user, or it stops at start-up naming them.
unreadable=$("$node" -e '
  const fs = require("fs");
  const yaml = require(process.argv[1] + "/node_modules/yaml");
  let mqtt;
  try { mqtt = (yaml.parse(fs.readFileSync(process.argv[2], "utf8")) || {}).mqtt; } catch { process.exit(0); }
  for (const k of ["ca", "cert", "key"]) if (mqtt && typeof mqtt[k] === "string") console.log(`mqtt.${k} ${mqtt[k]}`);
' "$dir" "$CONF" | while read -r key path; do
  case "$path" in
    /tmp/* | /var/tmp/*) echo "$key ($path, in a /tmp the unit's PrivateTmp=yes replaces)" ;;
    /*) if hidden "$path"; then echo "$key ($path, under a home directory the unit's ProtectHome=yes hides)"; else runuser -u "$USER_NAME" -- test -r "$path" || echo "$key ($path)"; fi ;;
    *) (cd "$dir" && runuser -u "$USER_NAME" -- test -r "$path") || echo "$key ($dir/$path)" ;;
  esac
done)
if [ -n "$unreadable" ]; then
  fail "$(echo "$unreadable" | tr '\n' ' ')not readable by $USER_NAME: put TLS files where it can read them, for example sudo install -m 0640 -o root -g $USER_NAME client.key $ETC/"
fi

# 4. The unit, and the drop-in with this node and this checkout.
install -m 0644 "$dir/deploy/$UNIT.service" "/etc/systemd/system/$UNIT.service"
install -d -m 0755 "$(dirname "$DROPIN")"
cat >"$DROPIN.new" <<EOF
# Written by deploy/install.sh: the node it found and the checkout it ran from.
[Service]
WorkingDirectory=$dir
ExecStart=
ExecStart=$node --lite-mode --no-expose-wasm $dir/dist/main.js --config $CONF
EOF
chmod 0644 "$DROPIN.new"
mv "$DROPIN.new" "$DROPIN"
say "unit: /etc/systemd/system/$UNIT.service, with $DROPIN (ExecStart=$node --lite-mode --no-expose-wasm $dir/dist/main.js --config $CONF)"

# 5. systemd.
if [ ! -d /run/systemd/system ]; then
  say "systemd is not running here: run 'sudo systemctl enable --now $UNIT' once it is"
  exit 0
fi
systemctl daemon-reload
systemctl enable --quiet "$UNIT"
if [ "$start" = no ]; then
  say "enabled; start it with: sudo systemctl start $UNIT"
elif [ "$fresh" = yes ]; then
  say "enabled, not started: edit $CONF, then: sudo systemctl start $UNIT"
else
  systemctl restart "$UNIT"
  say "started; its log: journalctl -u $UNIT -f (look for \"ready\")"
fi
