#!/usr/bin/env node
// `npx fraiseql …`: runs the built CLI. In a fresh checkout nothing is built yet, so the CLI and
// the libraries it uses are compiled first (tsc -b, incremental), instead of failing.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');

const root = join(__dirname, '..');
const built = join(root, 'dist', 'bin.js');
if (!existsSync(built)) {
  process.stderr.write('fraiseql: building the CLI (first run)…\n');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', join(root, 'tsconfig.json')], { stdio: 'inherit' });
}
require(built);
