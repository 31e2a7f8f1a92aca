#!/bin/sh
# The GPIO addon (native/) under the compiler's sanitizers: the addon built
# with AddressSanitizer + UndefinedBehaviorSanitizer, then with
# ThreadSanitizer (the reader thread), each loaded into an ordinary Node (the
# sanitizer's runtime preloaded) and run through the addon's specs that need
# no gpio-sim. A report fails the run (halt_on_error, no recovery).
#
# Canaries: the same builds of a deliberately broken copy of the sources (a
# buffer one record short, a shift by 64, the reader thread's appends without
# its lock) must
# fail those specs WITH the sanitizer's report, or this script fails: a
# sanitizer that is not really there cannot pass it.
#
# What cannot run here: the uAPI v2 calls on real lines (request, values,
# events of a request: spec/kernel, spec/contract on gpio-sim) need the
# kernel's gpio-sim, which `npm run test:hardware` has in its VM, where the
# addon is the ordinary build. LeakSanitizer is off: Node itself does not
# free everything at exit; the addon's own leaks are tested by its specs
# (a forgotten reader collected, a failed libgpiod load unmapped).
#
# Exit status: 0 passed, 1 failed, 77 did not run (no C compiler or no
# sanitizer runtime), and says why.
set -eu
cd "$(dirname "$0")/.."
say() { echo "addon-sanitize: $*" >&2; }
notrun() { say "NOT RUN: $*"; exit 77; }

CC=${CC:-cc}
command -v "$CC" >/dev/null || notrun "no C compiler ($CC)"
inc=$(node -p "require('path').join(process.execPath, '..', '..', 'include', 'node')")
[ -f "$inc/node_api.h" ] || inc=$(ls -d "$HOME"/.cache/node-gyp/"$(node -p 'process.versions.node')"/include/node 2>/dev/null || true)
[ -n "$inc" ] && [ -f "$inc/node_api.h" ] || notrun "Node's headers (node_api.h) are not installed"
runtime() {
  f=$("$CC" -print-file-name="$1")
  [ -f "$f" ] || notrun "the sanitizer runtime $1 is missing (Debian: gcc's libasan8, libubsan1, libtsan2)"
  echo "$f"
}
ASAN_RT=$(runtime libasan.so)
UBSAN_RT=$(runtime libubsan.so)
TSAN_RT=$(runtime libtsan.so)
SOURCES=$(node -p "JSON.parse(require('fs').readFileSync('binding.gyp', 'utf8')).targets[0].sources.join(' ')")
[ -f dist/main.js ] || npm run build >/dev/null

OUT=.tmp/sanitize
TRIES=${SANITIZE_TSAN_TRIES:-3}
rm -rf "$OUT"
mkdir -p "$OUT"

# A copy of the project whose build/ holds the sanitized addon (src, dist and
# specs copied, so every path they compute from their own place leads there).
tree() {
  t="$OUT/$1"
  mkdir -p "$t/build/Release" "$t/native"
  cp -r src spec dist jest.config.ts tsconfig.json tsconfig.spec.json package.json "$t/"
  ln -s "$PWD/node_modules" "$t/node_modules"
  for s in $SOURCES; do cp "$s" "$t/$s"; done
  cp native/*.h "$t/native/"
  echo "$t"
}

build() { # tree, flags...
  t=$1
  shift
  (cd "$t" && "$CC" -shared -fPIC -g -O1 -fno-omit-frame-pointer -pthread -Wall -Wextra -Wno-unused-parameter \
    -I"$inc" -DNODE_GYP_MODULE_NAME=gpio_native "$@" $SOURCES -ldl -o build/Release/gpio_native.node)
}

ASAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all"
TSAN_FLAGS="-fsanitize=thread"
ASAN_ENV="LD_PRELOAD=$ASAN_RT:$UBSAN_RT ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=86 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87"
TSAN_ENV="LD_PRELOAD=$TSAN_RT TSAN_OPTIONS=halt_on_error=1:exitcode=88:report_signal_unsafe=0:suppressions=$PWD/scripts/sanitize/tsan.supp"
# Specs that reach the addon without gpio-sim: its own, the cdev driver's
# start-up, the libgpiod stand-in's events (children load the addon), and the
# libgpiod driver's edges over the stand-in (the reader thread, the libgpiod 1.x shim).
SPECS="spec/adapters/native.spec.ts spec/adapters/cdev.spec.ts spec/standin/events.spec.ts spec/integration/libgpiod-edges.spec.ts"
# Under ThreadSanitizer, the reader thread's own specs (in-process: npx and
# shells under its runtime crash, and the service's children add nothing here).
TSAN_SPECS="spec/adapters/native.spec.ts"

run() { # tree, env, log, specs...
  t=$1 e=$2 log=$3
  shift 3
  (cd "$t" && env $e node node_modules/jest/bin/jest.js --ci --runInBand "$@") >"$log" 2>&1
}

status=0
check() { # name, tree, env, specs...
  name=$1 t=$2 e=$3
  shift 3
  say "$name: $*"
  if run "$t" "$e" "$OUT/$name.log" "$@"; then
    grep -E '^Tests:' "$OUT/$name.log" >&2 || true
  else
    tail -n 80 "$OUT/$name.log" >&2
    say "FAILED: $name (log: $OUT/$name.log)"
    status=1
  fi
}

# A canary: the tree's sources broken by `perl -0pi -e $edit` in $file; the
# specs must fail, with `pattern` (the sanitizer's report) in their output.
canary() { # name, flags, env, file, edit, pattern, specs...
  name=$1 flags=$2 e=$3 file=$4 edit=$5 pattern=$6
  shift 6
  t=$(tree "$name")
  cp "$t/$file" "$t/$file.orig"
  perl -0pi -e "$edit" "$t/$file"
  if cmp -s "$t/$file" "$t/$file.orig"; then say "FAILED: canary $name could not break $file (the code moved): fix this script"; status=1; return; fi
  build "$t" $flags
  say "canary $name (must fail with \"$pattern\"): $*"
  # A data race is reported when its two accesses are unordered; the TSan
  # canary's are by construction, but it still gets up to $TRIES runs.
  tries=1
  [ "$name" = tsan-canary ] && tries=$TRIES
  while :; do
    if run "$t" "$e" "$OUT/$name.log" "$@"; then passed=1; else passed=0; fi
    grep -q "$pattern" "$OUT/$name.log" && break
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || break
    say "canary $name: no report this run; again"
  done
  if [ "$passed" = 1 ] && ! grep -q "$pattern" "$OUT/$name.log"; then
    say "FAILED: canary $name passed: the sanitizer did not fire"
    status=1
  elif grep -q "$pattern" "$OUT/$name.log"; then
    say "canary $name failed as it must: $(grep -m1 "$pattern" "$OUT/$name.log" | sed 's/^[= 0-9]*//' | cut -c1-160)"
  else
    tail -n 40 "$OUT/$name.log" >&2
    say "FAILED: canary $name failed, but not with the sanitizer's report"
    status=1
  fi
}

say "Node $(node -v), $($CC --version | head -n 1); sources: $SOURCES"
t=$(tree asan)
build "$t" $ASAN_FLAGS
check asan "$t" "$ASAN_ENV" $SPECS
t=$(tree tsan)
build "$t" $TSAN_FLAGS
check tsan "$t" "$TSAN_ENV" $TSAN_SPECS

canary asan-canary "$ASAN_FLAGS" "$ASAN_ENV" native/reader.c \
  's/b = realloc\(r->buf, cap \* sizeof\(\*b\)\);/b = realloc(r->buf, (cap - 1) * sizeof(*b));/' \
  'AddressSanitizer: heap-buffer-overflow' spec/adapters/native.spec.ts -t 'full buffer'
canary ubsan-canary "$ASAN_FLAGS" "$ASAN_ENV" native/uapi_v2.c \
  's/vals\.mask = n == 64 \? ~\(uint64_t\)0 : \(\(\(uint64_t\)1 << n\) - 1\);/vals.mask = ((uint64_t)1 << n) - 1;/' \
  'runtime error: shift exponent 64' spec/adapters/native.spec.ts -t 'errno'
# The TSan canary: after telling JS of new records, the thread writes a field
# that JS reads under the lock, without taking the lock. No order joins the two
# accesses whichever comes first (the thread's last unlock and wake-up came
# before its write), so the report does not depend on the threads' timing.
canary tsan-canary "$TSAN_FLAGS" "$TSAN_ENV" native/reader.c \
  's/(\t\tif \(got > 0\)\n\t\t\tuv_async_send\(&r->async\);\n)/$1\t\t*(volatile int *)&r->error = 0;\n/' \
  'ThreadSanitizer: data race' spec/adapters/native.spec.ts -t 'full buffer'

say "not run here: the uAPI v2 calls on real lines (spec/kernel, spec/contract on gpio-sim) need the kernel's gpio-sim (npm run test:hardware, ordinary build); leaks: LeakSanitizer off (Node's own allocations at exit)"
[ "$status" = 0 ] && say "passed: the addon's specs under ASan+UBSan and TSan; every canary fired" || say "FAILED"
exit "$status"
