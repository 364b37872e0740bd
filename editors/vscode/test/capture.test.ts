import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Capture, type ChangeEventLike } from '../src/capture';
import { AcceptTracker } from '../src/correlate';
import { applyChanges, lineStarts, positionAt, type ContentChange } from '../src/ranges';

function setup(heuristic = false, aiExtension: string | null = 'copilot') {
  const tracker = new AcceptTracker();
  const logs: string[] = [];
  const capture = new Capture(tracker, {
    heuristic: () => (heuristic ? { minLines: 3, minChars: 50 } : undefined),
    heuristicTool: () => aiExtension ?? undefined,
    log: (m) => logs.push(m),
  });
  const docs = new Map<string, { text: string; version: number }>();
  const open = (uri: string, text: string) => {
    docs.set(uri, { text, version: 1 });
    capture.open(uri, text);
  };
  const change = (uri: string, changes: ContentChange[], extra: Partial<ChangeEventLike> = {}, now = 0) => {
    const d = docs.get(uri)!;
    // VS Code gives each change as offsets and as positions (in the text before it, applied in order)
    let cur = d.text;
    const withRanges = changes.map((c) => {
      const starts = lineStarts(cur);
      const range = { start: positionAt(cur, starts, c.rangeOffset), end: positionAt(cur, starts, c.rangeOffset + c.rangeLength) };
      cur = applyChanges(cur, [c]).text;
      return { ...c, range };
    });
    d.text = cur;
    d.version++;
    const text = d.text;
    const starts = lineStarts(text);
    return capture.onChange(
      {
        uri,
        version: d.version,
        changes: withRanges,
        length: text.length,
        text: () => text,
        positionAt: (o: number) => positionAt(text, starts, o),
        ...extra,
      },
      now,
    );
  };
  return { tracker, capture, open, change, docs, logs };
}

test('typing is human: no notification', () => {
  const s = setup();
  s.open('file:///a.rs', 'fn main() {}\n');
  assert.equal(s.change('file:///a.rs', [{ rangeOffset: 11, rangeLength: 0, text: 'x' }]), undefined);
});

test('an accept wrapped by the Tab command reports the exact trimmed range with the new version', () => {
  const s = setup();
  s.open('file:///a.rs', 'fn f() {\n    let total\n}\n');
  const id = s.tracker.begin('file:///a.rs', { tool: 'copilot', kind: 'inline-completion' }, 0);
  const start = 'fn f() {\n    '.length;
  const params = s.change('file:///a.rs', [{ rangeOffset: start, rangeLength: 9, text: 'let total = a + b;\n    total' }]);
  s.tracker.end(id, 1);
  assert.deepEqual(params, {
    textDocument: { uri: 'file:///a.rs', version: 2 },
    ranges: [{ start: { line: 1, character: 13 }, end: { line: 2, character: 9 } }],
    source: { tool: 'copilot', kind: 'inline-completion' },
  });
  assert.equal(s.change('file:///a.rs', [{ rangeOffset: 0, rangeLength: 0, text: 'y' }]), undefined);
});

test('detailedReason (proposed API) is the primary signal, with model and session', () => {
  const s = setup();
  s.open('file:///a.ts', 'const a = 1;\n');
  const params = s.change('file:///a.ts', [{ rangeOffset: 13, rangeLength: 0, text: 'const b = 2;\n' }], {
    detailedReason: {
      source: 'Chat.applyEdits',
      metadata: { $modelId: 'gpt-4.1', $extensionId: 'GitHub.copilot-chat', $$sessionId: 's1', $$mode: 'agent' },
    },
  });
  assert.deepEqual(params?.source, { tool: 'copilot', kind: 'agent', model: 'gpt-4.1', session: 's1' });
  assert.deepEqual(params?.ranges, [{ start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }]);
});

test('a non-AI detailedReason overrides a pending Tab accept', () => {
  const s = setup();
  s.open('file:///a', '');
  s.tracker.begin('file:///a', { tool: 'copilot' }, 0);
  const params = s.change('file:///a', [{ rangeOffset: 0, rangeLength: 0, text: 'x' }], {
    detailedReason: { source: 'cursor', metadata: { kind: 'type' } },
  });
  assert.equal(params, undefined);
});

test('undo and redo are never AI, and cancel a pending accept', () => {
  const s = setup(true);
  s.open('file:///a', '');
  s.tracker.begin('file:///a', { tool: 'copilot' }, 0);
  const big = 'line one of a big block\nline two of a big block\nline three\n';
  assert.equal(s.change('file:///a', [{ rangeOffset: 0, rangeLength: 0, text: big }], { reason: 1 }), undefined);
  assert.equal(s.tracker.active, undefined);
});

test('the heuristic is off by default', () => {
  const s = setup(false);
  s.open('file:///a', '');
  const big = 'line one of a big block\nline two of a big block\nline three\n';
  assert.equal(s.change('file:///a', [{ rangeOffset: 0, rangeLength: 0, text: big }]), undefined);
});

test('the heuristic, when on, reports large multi-line insertions with kind heuristic', () => {
  const s = setup(true);
  s.open('file:///a', 'x\n');
  const big = 'line one of a big block\nline two of a big block\nline three\n';
  const params = s.change('file:///a', [{ rangeOffset: 2, rangeLength: 0, text: big }]);
  assert.deepEqual(params?.source, { tool: 'copilot', kind: 'heuristic' });
  assert.deepEqual(params?.ranges, [{ start: { line: 1, character: 0 }, end: { line: 4, character: 0 } }]);
  assert.equal(s.change('file:///a', [{ rangeOffset: 0, rangeLength: 0, text: 'short\n' }]), undefined);
});

test('the heuristic needs an active AI extension', () => {
  const s = setup(true, null);
  s.open('file:///a', '');
  const big = 'line one of a big block\nline two of a big block\nline three\n';
  assert.equal(s.change('file:///a', [{ rangeOffset: 0, rangeLength: 0, text: big }]), undefined);
});

test('a document seen for the first time mid-session is resynchronised, untrimmed', () => {
  const s = setup();
  s.docs.set('file:///b', { text: 'abc', version: 5 });
  s.tracker.begin('file:///b', { tool: 't' }, 0);
  const params = s.change('file:///b', [{ rangeOffset: 1, rangeLength: 1, text: 'XY' }]);
  assert.deepEqual(params?.ranges, [{ start: { line: 0, character: 1 }, end: { line: 0, character: 3 } }]);
  assert.ok(s.capture.has('file:///b'));
});

test('a shadow out of sync is detected by length and resynchronised', () => {
  const s = setup();
  s.open('file:///c', 'abc');
  s.capture.open('file:///c', 'abcdef'); // simulate a missed change
  s.tracker.begin('file:///c', { tool: 't' }, 0);
  const params = s.change('file:///c', [{ rangeOffset: 3, rangeLength: 0, text: 'Z' }]);
  assert.deepEqual(params?.ranges, [{ start: { line: 0, character: 3 }, end: { line: 0, character: 4 } }]);
  assert.equal(s.logs.length, 1);
});
