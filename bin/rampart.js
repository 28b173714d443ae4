#!/usr/bin/env node
// The `rampart` operator CLI. Registers the TypeScript loader (tsx) so the CLI runs
// from source without a build step, then hands over to src/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
