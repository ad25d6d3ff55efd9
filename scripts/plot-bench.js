#!/usr/bin/env node
// Plots benchmark results (busbw against message size) to image files with
// the web view's own plotting code (fabricd/web/plot.js).
//   scripts/plot-bench.js [-o OUT] [-t TITLE] FILE...
// FILEs: fcoll-perf --json output (one per transport) and nccl-tests-style
// tables (fcoll-perf without --json, fcoll-peer-mpi, fcoll-peer-gloo) from
// the same run. Writes OUT.svg (default: busbw.svg) and, when Debian's
// chromium is installed, OUT.png rendered from it.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const plot = require(path.join(__dirname, '..', 'fabricd', 'web', 'plot.js'));

const args = process.argv.slice(2);
let out = 'busbw', title = 'busbw vs message size';
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '-o') out = args[++i].replace(/\.(svg|png)$/, '');
  else if (args[i] === '-t') title = args[++i];
  else if (args[i] === '-h' || args[i] === '--help') { files.length = 0; break; }
  else files.push(args[i]);
}
if (!files.length) {
  console.error('usage: plot-bench.js [-o OUT] [-t TITLE] FILE...  (fcoll-perf --json or nccl-tests tables)');
  process.exit(2);
}

const series = [];
for (const f of files) {
  let s;
  try {
    s = plot.parse(path.basename(f), fs.readFileSync(f, 'utf8'));
  } catch (e) {
    console.error(`plot-bench: ${f}: ${e.message}`);
    process.exit(1);
  }
  if (!s.length) console.error(`plot-bench: ${f}: no results found`);
  series.push(...s);
}
const W = 900, H = 500 + 16 * series.length;
fs.writeFileSync(out + '.svg', plot.svg(series, title, W, H));
console.log(`wrote ${out}.svg (${series.length} series)`);

const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
if (fs.existsSync(chromium)) {
  const profile = fs.mkdtempSync(path.join(require('os').tmpdir(), 'plot-bench-'));
  try {
    execFileSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars',
      `--user-data-dir=${profile}`, `--screenshot=${path.resolve(out + '.png')}`, `--window-size=${W},${H}`,
      'file://' + path.resolve(out + '.svg')], { stdio: 'ignore', timeout: 60000 });
    console.log(`wrote ${out}.png`);
  } catch (e) {
    console.error(`plot-bench: chromium could not render ${out}.png: ${e.message}`);
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
