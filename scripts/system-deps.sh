#!/bin/sh
# Debian packages the tests need: mosquitto (a real broker for the MQTT tests, with mosquitto_passwd),
# libgpiod-dev (to build the optional node-libgpiod addon), systemd (its
# systemd-analyze rates and verifies the shipped unit; nothing is started) and
# strace (the unit's system call filter is checked against what the service calls). Installed when
# missing if we may (root with apt-get, as in CI); otherwise says how.
set -eu
missing=""
[ -x /usr/sbin/mosquitto ] || missing="$missing mosquitto"
# mosquitto-clients: the README's MQTT 5 example is run as written, with mosquitto_sub and mosquitto_pub.
[ -x /usr/bin/mosquitto_sub ] && [ -x /usr/bin/mosquitto_pub ] || missing="$missing mosquitto-clients"
[ -f /usr/include/gpiod.h ] || missing="$missing libgpiod-dev"
# openssl: the TLS tests make a throwaway CA and certificates with it.
[ -x /usr/bin/openssl ] || missing="$missing openssl"
# python3-paho-mqtt: a third-party MQTT client (paho, MQTT 3.1.1 and 5) for the interoperability tests.
/usr/bin/python3 -c 'import paho.mqtt.client' >/dev/null 2>&1 || missing="$missing python3-paho-mqtt"
command -v systemd-analyze >/dev/null 2>&1 || missing="$missing systemd"
command -v strace >/dev/null 2>&1 || missing="$missing strace"
# The cross compilers scripts/prebuild.sh builds prebuilds/ with (spec/tooling/prebuilds.spec.ts rebuilds them to compare).
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing="$missing gcc-aarch64-linux-gnu"
command -v arm-linux-gnueabihf-gcc >/dev/null 2>&1 || missing="$missing gcc-arm-linux-gnueabihf"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing$missing (Debian packages)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "system-deps: missing Debian packages:$missing" >&2
    echo "system-deps: run: sudo apt-get install$missing" >&2
    exit 1
  fi
fi
# node-libgpiod is optional: where libgpiod-dev was missing at install time npm
# dropped it, so install again now that the headers are there.
if ! node -e "require('node-libgpiod')" >/dev/null 2>&1; then
  echo "system-deps: installing node-libgpiod, built against libgpiod-dev"
  npm install --no-audit --no-fund >/dev/null
  node -e "require('node-libgpiod')" || { echo "system-deps: node-libgpiod still does not load" >&2; exit 1; }
fi
