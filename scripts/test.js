#!/usr/bin/env node
// Runs every *.test.ts under src/ (or under the paths given) with node's test runner.
// Node 20's --test takes no globs, so the files are collected here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const found = [];
function walk(path) {
  const st = statSync(path);
  if (st.isFile()) {
    if (path.endsWith('.test.ts')) found.push(path);
    return;
  }
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name === 'dist') continue;
    walk(join(path, name));
  }
}
for (const root of roots.length > 0 ? roots : ['src']) walk(root);
found.sort();
if (found.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', ...flags, ...found.map((f) => relative('.', f))];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
