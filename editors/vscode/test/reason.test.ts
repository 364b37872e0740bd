import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyReason } from '../src/reason';

test('no reason or unknown: undecided', () => {
  assert.equal(classifyReason(undefined), undefined);
  assert.equal(classifyReason({ source: 'unknown', metadata: {} }), undefined);
});

test('inline completion accept, full and partial, and next-edit suggestions', () => {
  assert.deepEqual(classifyReason({ source: 'inlineCompletionAccept', metadata: { $extensionId: 'github.copilot' } }), {
    ai: { tool: 'copilot', kind: 'inline-completion' },
  });
  assert.deepEqual(
    classifyReason({ source: 'inlineCompletionAccept', metadata: { $extensionId: 'github.copilot-chat', $nes: true } }),
    { ai: { tool: 'copilot', kind: 'next-edit' } },
  );
  assert.deepEqual(
    classifyReason({ source: 'inlineCompletionPartialAccept', metadata: { type: 'word', $extensionId: 'Supermaven.supermaven' } }),
    { ai: { tool: 'supermaven', kind: 'inline-completion' } },
  );
});

test('chat and inline chat edits carry the model; agent mode and agent host are agent', () => {
  assert.deepEqual(
    classifyReason({ source: 'Chat.applyEdits', metadata: { $modelId: 'claude-sonnet-4', $extensionId: 'github.copilot-chat', $$sessionId: 'abc' } }),
    { ai: { tool: 'copilot', kind: 'chat', model: 'claude-sonnet-4', session: 'abc' } },
  );
  assert.deepEqual(
    classifyReason({ source: 'Chat.applyEdits', metadata: { $harness: 'copilotcli', $origin: 'agentHost' } }),
    { ai: { tool: 'copilotcli', kind: 'agent' } },
  );
  assert.deepEqual(classifyReason({ source: 'inlineChat.applyEdits', metadata: { $modelId: 'gpt-4.1' } }), {
    ai: { tool: 'vscode-chat', kind: 'chat', model: 'gpt-4.1' },
  });
});

test('metadata nested one level deeper is read too', () => {
  assert.deepEqual(
    classifyReason({ source: 'inlineCompletionAccept', metadata: { metadata: { $extensionId: 'codeium.codeium' } } }),
    { ai: { tool: 'codeium', kind: 'inline-completion' } },
  );
});

test('typing, paste, snippets, undo of chat edits are human', () => {
  for (const source of ['cursor', 'snippet', 'suggest', 'Chat.undoEdits', 'reloadFromDisk', 'codeAction']) {
    assert.deepEqual(classifyReason({ source, metadata: {} }), { human: true }, source);
  }
});
