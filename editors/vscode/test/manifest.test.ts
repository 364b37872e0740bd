// Checks of package.json against the code: a mismatch here only shows up at run time in VS Code.
import { buildSync } from 'esbuild';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { CMD_FORGET, CMD_MARK_AI, CMD_REVIEW } from '../src/protocol';

// dist-test/<name>.test.js -> the extension folder
const root = path.resolve(__dirname, '..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const source = readFileSync(path.join(root, 'src', 'commands.ts'), 'utf8');

test('engines.vscode is no higher than 1.90', () => {
  const m = /^\^?(\d+)\.(\d+)\./.exec(manifest.engines.vscode);
  assert.ok(m, manifest.engines.vscode);
  assert.ok(Number(m[1]) === 1 && Number(m[2]) <= 90, manifest.engines.vscode);
});

test('every contributed command is registered by the extension', () => {
  for (const { command } of manifest.contributes.commands) {
    assert.ok(source.includes(`reg('${command}'`), `${command} is contributed but not registered`);
  }
});

test("the server's commands are not contributed (vscode-languageclient registers them itself)", () => {
  const ids = manifest.contributes.commands.map((c: { command: string }) => c.command);
  for (const id of [CMD_REVIEW, CMD_MARK_AI, CMD_FORGET]) {
    assert.ok(!ids.includes(id), `${id} would clash with the client's registration`);
    assert.ok(!source.includes(`reg('${id}'`), `${id} registered twice`);
  }
});

test('keybindings wrap the inline-suggestion accept commands under the built-in when clauses', () => {
  const kb: { key: string; command: string; when: string }[] = manifest.contributes.keybindings;
  const tab = kb.filter((k) => k.key === 'tab').map((k) => k.when);
  assert.ok(tab.every((_, i) => kb.filter((k) => k.key === 'tab')[i].command === 'vouch.acceptInlineSuggestion'));
  assert.ok(tab.some((w) => w.startsWith('inlineSuggestionVisible') && w.includes('inlineSuggestionHasIndentationLessThanTabSize')));
  assert.ok(tab.some((w) => w.includes('inlineEditIsVisible') && w.includes('tabShouldAcceptInlineEdit')));
  const word = kb.find((k) => k.command === 'vouch.acceptNextWord');
  assert.equal(word?.key, 'ctrl+right');
  assert.ok(word?.when.includes('inlineSuggestionVisible'));
  assert.ok(!JSON.stringify(kb).includes('editorWritable'), 'editorWritable is not a VS Code context key');
  assert.ok(source.includes("'editor.action.inlineSuggest.commit'"));
  assert.ok(source.includes("'editor.action.inlineSuggest.acceptNextWord'"));
  assert.ok(source.includes("'editor.action.inlineSuggest.acceptNextLine'"));
});

test('the proposed change-reason API is declared, so VS Code can hand it over', () => {
  assert.deepEqual(manifest.enabledApiProposals, ['textDocumentChangeReason']);
});

test('the shipped bundle holds no test mode (the e2e hooks are only in the test build)', () => {
  const bundle = (entry: string) =>
    buildSync({
      absWorkingDir: root,
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['vscode'],
      write: false,
      logLevel: 'silent',
    }).outputFiles[0].text;
  assert.equal(path.basename(manifest.main), 'main.js');
  const shipped = bundle('src/main.ts');
  const e2e = bundle('test/e2e/main.ts');
  for (const marker of ['VOUCH_E2E_DIR', 'VOUCH_E2E_COMPLETION', 'vouch-e2e', 'state.json']) {
    assert.ok(e2e.includes(marker), `the test build has ${marker}`);
    assert.ok(!shipped.includes(marker), `the shipped bundle has ${marker}`);
  }
  assert.ok(shipped.includes('vouch/didAcceptAi'), 'the shipped bundle is the extension');
});
