// Speed of the capture path that runs on every keystroke (shadow copy update + AI decision):
// 20k single-character edits at scattered lines of a ~5 MB, 180k-line document, then one AI
// accept. Run: npm run bench
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = mkdtempSync(join(tmpdir(), 'vouch-bench-'));
buildSync({ entryPoints: ['src/capture.ts', 'src/correlate.ts'], bundle: true, platform: 'node', outdir: out, format: 'cjs', logLevel: 'warning' });
const require = createRequire(import.meta.url);
const { Capture } = require(join(out, 'capture.js'));
const { AcceptTracker } = require(join(out, 'correlate.js'));
rmSync(out, { recursive: true, force: true });

const line = 'let x = 1; // some code here\n';
const lines = 180000;
const tracker = new AcceptTracker();
const capture = new Capture(tracker, { heuristic: () => undefined, heuristicTool: () => undefined });
capture.open('file:///big', line.repeat(lines));
let length = line.length * lines;
const edits = 20000;
const t0 = process.hrtime.bigint();
for (let i = 0; i < edits; i++) {
  const l = (i * 7919) % lines;
  length++;
  capture.onChange(
    {
      uri: 'file:///big',
      version: i + 2,
      changes: [{ rangeOffset: 0, rangeLength: 0, text: 'a', range: { start: { line: l, character: 3 }, end: { line: l, character: 3 } } }],
      length,
      text: () => {
        throw new Error('shadow out of sync');
      },
      positionAt: () => ({ line: 0, character: 0 }),
    },
    0,
  );
}
const perEdit = Number(process.hrtime.bigint() - t0) / 1000 / edits;
tracker.begin('file:///big', { tool: 'bench' }, 0);
const t1 = process.hrtime.bigint();
const notice = capture.onChange(
  {
    uri: 'file:///big',
    version: edits + 2,
    changes: [{ rangeOffset: 0, rangeLength: 0, text: 'fn x() {}\n', range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } } }],
    length: length + 10,
    text: () => '',
    positionAt: (o) => ({ line: 0, character: o }),
  },
  1,
);
const accept = Number(process.hrtime.bigint() - t1) / 1000;
if (!notice) throw new Error('no notice for the AI accept');
console.log(`typing in a ${(length / 1e6).toFixed(1)} MB document: ${perEdit.toFixed(2)} µs per edit (${edits} edits)`);
console.log(`AI accept in it: ${accept.toFixed(0)} µs to build vouch/didAcceptAi`);
