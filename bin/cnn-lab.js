#!/usr/bin/env node
// The `cnn-lab` command: a shim over the bundled CLI (src/cli/main.ts → dist/cli.js).
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write(`cnn-lab: ${bundle} is missing; run \`npm run build\` first.\n`);
  process.exitCode = 2;
} else {
  void require(bundle).run();
}
