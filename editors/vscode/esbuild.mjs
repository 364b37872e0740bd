// Bundles the extension (vscode stays external):
//   node esbuild.mjs [--minify]   the shipped extension, src/main.ts -> dist/main.js
//   node esbuild.mjs --e2e        the end-to-end test build, test/e2e/main.ts -> dist/main.js
//                                 (the shipped extension plus its test mode; tests/vscode/run.sh)
//   node esbuild.mjs --tests      each unit test (test/*.test.ts, pure modules) -> dist-test/
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node18', format: 'cjs', logLevel: 'warning', external: ['vscode'] };

const args = process.argv.slice(2);
if (args.includes('--tests')) {
  rmSync('dist-test', { recursive: true, force: true });
  const entryPoints = readdirSync('test')
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `test/${f}`);
  // esbuild stays external: a test bundles the shipped extension itself to inspect it.
  await build({ ...common, sourcemap: true, entryPoints, outdir: 'dist-test', external: ['vscode', 'esbuild'] });
} else {
  await build({
    ...common,
    sourcemap: true,
    entryPoints: [args.includes('--e2e') ? 'test/e2e/main.ts' : 'src/main.ts'],
    outfile: 'dist/main.js',
    minify: args.includes('--minify'),
  });
}
