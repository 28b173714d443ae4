#!/usr/bin/env node
// `npm start` serves the web app from src/web/dist; build it once on a fresh clone.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('src/web/dist/index.html')) {
  const r = spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
