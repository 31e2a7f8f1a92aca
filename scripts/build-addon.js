#!/usr/bin/env node
// npm's install step. Where a prebuilt addon in prebuilds/ fits this machine
// (linux-x64, linux-arm64, linux-arm on glibc: scripts/prebuild.sh) and
// loads, it is used and nothing is compiled (node-gyp-build loads it at run
// time); `npm install --build-from-source` compiles all the same. Otherwise
// it builds our GPIO addon (native/, one C file per job,
// listed in binding.gyp) with node-gyp: the cdev driver's uAPI v2 calls, the
// libgpiod driver's edge events and the reader thread both drivers use. It
// needs only a C compiler and the kernel's <linux/gpio.h> (libc's headers:
// build-essential), no libgpiod. Where it
// cannot be built (not Linux, no compiler) npm install still succeeds: the
// service then runs on node-libgpiod or the simulated chip, and says so.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, rmSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
if (process.platform !== 'linux') {
  console.log(`rpi-gpio-connector: the GPIO addon is for Linux; skipped on ${process.platform}`);
  process.exit(0);
}
// The prebuilt addon, unless asked to build from source. A source build left
// by an earlier install would be loaded before it (node-gyp-build prefers
// build/Release), so it goes.
if (process.env.npm_config_build_from_source !== 'true') {
  process.env.PREBUILDS_ONLY = '1';
  let prebuilt;
  try {
    prebuilt = require('node-gyp-build').path(root);
    require(prebuilt);
  } catch (e) {
    console.log(`rpi-gpio-connector: no prebuilt GPIO addon fits this machine (${String(e.message ?? e).split('\n')[0]}): building it from source`);
    prebuilt = undefined;
  }
  if (prebuilt !== undefined) {
    rmSync(join(root, 'build'), { recursive: true, force: true });
    console.log(`rpi-gpio-connector: using the prebuilt GPIO addon ${relative(root, prebuilt)} (nothing to compile)`);
    process.exit(0);
  }
}
const candidates = [
  process.env.npm_config_node_gyp,
  (() => {
    try {
      return require.resolve('node-gyp/bin/node-gyp.js');
    } catch {
      return undefined;
    }
  })(),
  join(process.execPath, '..', '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && existsSync(p));
if (candidates.length === 0) {
  console.warn('rpi-gpio-connector: WARNING: node-gyp not found: the GPIO addon was not built (gpio.driver cdev, and edge inputs on gpio.driver libgpiod, unavailable)');
  process.exit(0);
}
// Node's own headers where the system has them (Debian, NodeSource): no download.
// npm passes its nodedir setting itself; a run by hand finds them here.
const prefix = join(process.execPath, '..', '..');
const args = [candidates[0], 'rebuild', '--loglevel=warn'];
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.warn(
    'rpi-gpio-connector: WARNING: the GPIO addon did not build (it needs a C compiler: sudo apt install build-essential); ' +
      'gpio.driver cdev (and edge inputs on gpio.driver libgpiod) is unavailable until `npm rebuild rpi-gpio-connector` or `npm install` succeeds',
  );
}
process.exit(0);
