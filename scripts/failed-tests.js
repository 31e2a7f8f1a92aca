#!/usr/bin/env node
// Prints the failed tests of a Jest --json result file, each with the first
// lines of its failure: test:hardware prints it last, so that a CI log cut in
// the middle still says which test failed and why.
// Usage: node scripts/failed-tests.js RESULTS.json
'use strict';
const { readFileSync } = require('node:fs');

const LINES = 12;
const results = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const failed = results.testResults.flatMap((file) => {
  const tests = file.assertionResults.filter((t) => t.status === 'failed');
  // A suite that failed outside any test (it did not compile, a hook threw) has only its message.
  if (tests.length === 0 && file.status === 'failed') return [{ where: file.name, messages: [file.message] }];
  return tests.map((t) => ({ where: `${file.name}: ${t.fullName}`, messages: t.failureMessages }));
});
// eslint-disable-next-line no-control-regex -- the terminal colours Jest puts in its messages
const strip = (text) => text.replace(/\u001b\[[0-9;]*m/g, '');
process.stdout.write(`failed tests: ${failed.length}\n`);
for (const f of failed) {
  process.stdout.write(`\n✕ ${f.where}\n`);
  for (const m of f.messages) process.stdout.write(`${strip(m).split('\n').slice(0, LINES).map((l) => `    ${l}`).join('\n')}\n`);
}
