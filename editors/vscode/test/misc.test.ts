import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { looksLikeAiInsertion } from '../src/heuristic';
import type { Region } from '../src/protocol';
import { describeRegion, nextUnreviewed, regionAt, statusText, unreviewed } from '../src/regions';
import { resolveServerPath } from '../src/serverPath';
import { inlineTool, toolForExtension } from '../src/tools';

const region = (sl: number, sc: number, el: number, ec: number, reviewed = false, extra: Partial<Region> = {}): Region => ({
  range: { start: { line: sl, character: sc }, end: { line: el, character: ec } },
  tool: 'copilot',
  model: 'gpt-4.1',
  kind: 'inline-completion',
  reviewed,
  ...extra,
});

test('heuristic: one large multi-line insertion', () => {
  const opts = { minLines: 3, minChars: 50 };
  const block = 'a'.repeat(20) + '\n' + 'b'.repeat(20) + '\n' + 'c'.repeat(20);
  assert.equal(looksLikeAiInsertion([{ rangeOffset: 0, rangeLength: 0, text: block }], opts), true);
  assert.equal(looksLikeAiInsertion([{ rangeOffset: 0, rangeLength: 3, text: block }], opts), true, 'replacing a typed prefix');
  assert.equal(looksLikeAiInsertion([{ rangeOffset: 0, rangeLength: 40, text: block }], opts), false, 'a rewrite');
  assert.equal(looksLikeAiInsertion([{ rangeOffset: 0, rangeLength: 0, text: 'a'.repeat(80) }], opts), false, 'one line');
  assert.equal(looksLikeAiInsertion([{ rangeOffset: 0, rangeLength: 0, text: 'a\nb\nc' }], opts), false, 'short');
  const two = [
    { rangeOffset: 0, rangeLength: 0, text: block },
    { rangeOffset: 0, rangeLength: 0, text: block },
  ];
  assert.equal(looksLikeAiInsertion(two, opts), false, 'several changes (multi-cursor, formatter)');
});

test('regions: at the cursor, next unreviewed with wrap-around, descriptions', () => {
  const rs = [region(10, 0, 12, 0), region(1, 4, 1, 9, true), region(3, 0, 3, 5)];
  assert.equal(unreviewed(rs).length, 2);
  assert.equal(regionAt(rs, { line: 1, character: 6 }), rs[1]);
  assert.equal(regionAt(rs, { line: 3, character: 5 }), rs[2], 'the end of a region counts');
  assert.equal(regionAt(rs, { line: 5, character: 0 }), undefined);
  assert.equal(nextUnreviewed(rs, { line: 0, character: 0 }), rs[2]);
  assert.equal(nextUnreviewed(rs, { line: 3, character: 0 }), rs[0], 'the region under the cursor is skipped');
  assert.equal(nextUnreviewed(rs, { line: 11, character: 0 }), rs[2], 'wraps around');
  assert.equal(nextUnreviewed([rs[1]], { line: 0, character: 0 }), undefined);
  assert.equal(describeRegion(rs[0]), 'copilot (gpt-4.1) · 2 lines');
  assert.equal(describeRegion(region(0, 0, 0, 3, false, { model: null, tool: 'claude' })), 'claude · 1 line');
  assert.equal(statusText(3), 'AI: 3 unreviewed');
});

test('server path: setting, then PATH, then cargo bin', () => {
  const exists = (files: string[]) => (f: string) => files.includes(f);
  const base = { pathEnv: '/usr/bin:/opt/x/bin', home: '/home/u', cargoHome: undefined, platform: 'linux' };
  assert.deepEqual(resolveServerPath({ ...base, configured: '~/bin/vouch', isExecutable: exists(['/home/u/bin/vouch']) }), {
    found: true,
    path: '/home/u/bin/vouch',
    via: 'setting',
  });
  assert.deepEqual(resolveServerPath({ ...base, configured: '/nope/vouch', isExecutable: exists(['/opt/x/bin/vouch']) }), {
    found: false,
    tried: ['/nope/vouch'],
    configured: true,
  });
  assert.deepEqual(resolveServerPath({ ...base, configured: '', isExecutable: exists(['/opt/x/bin/vouch', '/home/u/.cargo/bin/vouch']) }), {
    found: true,
    path: '/opt/x/bin/vouch',
    via: 'PATH',
  });
  assert.deepEqual(resolveServerPath({ ...base, configured: ' ', isExecutable: exists(['/home/u/.cargo/bin/vouch']) }), {
    found: true,
    path: '/home/u/.cargo/bin/vouch',
    via: 'cargo',
  });
  assert.deepEqual(
    resolveServerPath({ ...base, cargoHome: '/c', configured: '', isExecutable: exists([path.join('/c', 'bin', 'vouch')]) }),
    { found: true, path: '/c/bin/vouch', via: 'cargo' },
  );
  const missing = resolveServerPath({ ...base, configured: '', isExecutable: () => false });
  assert.deepEqual(missing, {
    found: false,
    tried: ['/usr/bin/vouch', '/opt/x/bin/vouch', '/home/u/.cargo/bin/vouch'],
    configured: false,
  });
});

test('tools: known extensions, fallbacks', () => {
  assert.equal(toolForExtension('GitHub.copilot-chat'), 'copilot');
  assert.equal(toolForExtension('acme.ai-helper'), 'ai-helper');
  assert.equal(inlineTool(['ms-python.python', 'supermaven.supermaven']), 'supermaven');
  assert.equal(inlineTool(['ms-python.python']), undefined);
});
