import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyChanges,
  commonAffixes,
  intervalsToRanges,
  lineCount,
  mergeIntervals,
  offsetAt,
  lineStarts,
  LineShadow,
  positionAt,
  rangesOverlap,
  type ContentChange,
} from '../src/ranges';

const ins = (offset: number, text: string): ContentChange => ({ rangeOffset: offset, rangeLength: 0, text });
const rep = (offset: number, length: number, text: string): ContentChange => ({ rangeOffset: offset, rangeLength: length, text });

test('a plain insertion is reported where it ends up', () => {
  const r = applyChanges('fn main() {}\n', [ins(11, ' let x = 1; ')]);
  assert.equal(r.text, 'fn main() { let x = 1; }\n');
  assert.deepEqual(r.inserted, [[11, 23]]);
  assert.deepEqual(intervalsToRanges(r.text, r.inserted), [
    { start: { line: 0, character: 11 }, end: { line: 0, character: 23 } },
  ]);
});

test('a completion that repeats the typed prefix is trimmed to the new characters', () => {
  const old = 'fn f() {\n    let total\n}\n';
  const start = old.indexOf('let total');
  const r = applyChanges(old, [rep(start, 'let total'.length, 'let total = a + b;\n    total')]);
  assert.equal(r.text, 'fn f() {\n    let total = a + b;\n    total\n}\n');
  assert.deepEqual(intervalsToRanges(r.text, r.inserted), [
    { start: { line: 1, character: 13 }, end: { line: 2, character: 9 } },
  ]);
});

test('a completion that also repeats the text after the cursor keeps only the middle', () => {
  // "foo()" with the cursor inside the brackets, completion rewrites the whole call
  const r = applyChanges('x = foo()', [rep(4, 5, 'foo(a, b)')]);
  assert.deepEqual(r.inserted, [[8, 12]]);
  assert.equal(r.text.slice(8, 12), 'a, b');
});

test('several changes in one event, bottom-up as VS Code sends them, map through each other', () => {
  const old = 'aaa\nbbb\nccc\n';
  // VS Code lists the lower change first; offsets are valid when applied in order.
  const r = applyChanges(old, [ins(8, 'XX\n'), ins(0, 'YY')]);
  assert.equal(r.text, 'YYaaa\nbbb\nXX\nccc\n');
  assert.deepEqual(r.inserted, [
    [0, 2],
    [10, 13],
  ]);
  assert.deepEqual(intervalsToRanges(r.text, r.inserted), [
    { start: { line: 0, character: 0 }, end: { line: 0, character: 2 } },
    { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } },
  ]);
});

test('a later change in the same event that overwrites part of an insertion clips it', () => {
  const r = applyChanges('abc', [ins(1, '12345'), rep(3, 2, '')]);
  assert.equal(r.text, 'a125bc');
  assert.deepEqual(r.inserted, [[1, 4]]);
});

test('a deletion inserts nothing', () => {
  const r = applyChanges('hello world', [rep(5, 6, '')]);
  assert.equal(r.text, 'hello');
  assert.deepEqual(r.inserted, []);
});

test('a replacement by identical text inserts nothing', () => {
  assert.deepEqual(applyChanges('same', [rep(0, 4, 'same')]).inserted, []);
});

test('trimming never splits a surrogate pair', () => {
  // "😀" and "😃" share the high surrogate
  const { prefix, suffix } = commonAffixes('a😀b', 'a😃b');
  assert.equal(prefix, 1);
  assert.equal(suffix, 1);
  const r = applyChanges('a😀b', [rep(0, 4, 'a😃b')]);
  assert.deepEqual(r.inserted, [[1, 3]]);
});

test('positions count UTF-16 code units and treat CRLF as one line break', () => {
  const text = 'é😀x\r\nsecond\r\n';
  const starts = lineStarts(text);
  assert.deepEqual(positionAt(text, starts, 3), { line: 0, character: 3 });
  assert.deepEqual(positionAt(text, starts, 4), { line: 0, character: 4 });
  // between \r and \n: still the end of line 0
  assert.deepEqual(positionAt(text, starts, 5), { line: 0, character: 4 });
  assert.deepEqual(positionAt(text, starts, 6), { line: 1, character: 0 });
  assert.equal(offsetAt(text, starts, { line: 1, character: 3 }), 9);
  assert.equal(offsetAt(text, starts, { line: 0, character: 99 }), 4);
  assert.equal(offsetAt(text, starts, { line: 9, character: 0 }), text.length);
});

test('CRLF insertions end at the start of the next line', () => {
  const r = applyChanges('a\r\nb', [ins(3, 'x\r\ny\r\n')]);
  assert.deepEqual(intervalsToRanges(r.text, r.inserted), [
    { start: { line: 1, character: 0 }, end: { line: 3, character: 0 } },
  ]);
});

test('mergeIntervals joins touching and overlapping intervals and drops empty ones', () => {
  assert.deepEqual(
    mergeIntervals([
      [5, 7],
      [0, 2],
      [2, 3],
      [6, 9],
      [4, 4],
    ]),
    [
      [0, 3],
      [5, 9],
    ],
  );
});

test('lineCount ignores an end at column 0', () => {
  assert.equal(lineCount({ start: { line: 1, character: 13 }, end: { line: 2, character: 9 } }), 2);
  assert.equal(lineCount({ start: { line: 1, character: 0 }, end: { line: 3, character: 0 } }), 2);
  assert.equal(lineCount({ start: { line: 4, character: 2 }, end: { line: 4, character: 2 } }), 1);
});

test('rangesOverlap', () => {
  const a = { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } };
  const b = { start: { line: 0, character: 5 }, end: { line: 0, character: 9 } };
  assert.equal(rangesOverlap(a, b), false);
  assert.equal(rangesOverlap(a, b, true), true);
  assert.equal(rangesOverlap(a, { start: { line: 0, character: 4 }, end: { line: 1, character: 0 } }), true);
});

test('random edit sequences agree with a per-character model of what was inserted', () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const baseAlphabet = ['x', 'y', '\n', 'é', '😀', '\r\n'];
  for (let round = 0; round < 500; round++) {
    const old = Array.from({ length: rand(12) }, () => baseAlphabet[rand(baseAlphabet.length)]).join('');
    let text = old;
    let labels: boolean[] = new Array(text.length).fill(false);
    const changes: ContentChange[] = [];
    const n = rand(4) + 1;
    for (let k = 0; k < n; k++) {
      let start = rand(text.length + 1);
      let end = Math.min(text.length, start + rand(4));
      if (start > 0 && start < text.length && /[\udc00-\udfff]/.test(text[start])) start--;
      if (end > 0 && end < text.length && /[\udc00-\udfff]/.test(text[end])) end++;
      // each change writes its own letter (never equal to what it replaces: no trimming)
      const t = String.fromCharCode(0x41 + k).repeat(rand(3));
      changes.push(rep(start, end - start, t));
      labels = [...labels.slice(0, start), ...new Array(t.length).fill(true), ...labels.slice(end)];
      text = text.slice(0, start) + t + text.slice(end);
    }
    const r = applyChanges(old, changes);
    assert.equal(r.text, text);
    const reported = new Array(text.length).fill(false);
    for (const [s, e] of r.inserted) for (let i = s; i < e; i++) reported[i] = true;
    assert.deepEqual(reported, labels, `round ${round}: ${JSON.stringify({ old, changes })}`);
  }
});

test('LineShadow edits by ranges like the text it mirrors, and returns what each edit replaced', () => {
  let seed = 11;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pieces = ['a', 'bc', '\n', '\r\n', 'é', '😀', ''];
  const word = () => Array.from({ length: rand(5) }, () => pieces[rand(pieces.length)]).join('');
  for (let round = 0; round < 300; round++) {
    let text = word() + word();
    const shadow = new LineShadow(text);
    for (let k = 0; k < 20; k++) {
      // positions as VS Code gives them: never between \r and \n, never inside a surrogate pair
      const starts = lineStarts(text);
      const valid = (o: number) =>
        !(o > 0 && o < text.length && text[o] === '\n' && text[o - 1] === '\r') &&
        !(o > 0 && o < text.length && /[\udc00-\udfff]/.test(text[o]));
      let a = rand(text.length + 1);
      while (!valid(a)) a--;
      let b = Math.min(text.length, a + rand(6));
      while (!valid(b)) b++;
      const t = word();
      const range = { start: positionAt(text, starts, a), end: positionAt(text, starts, b) };
      const replaced = shadow.replace(range, t);
      assert.equal(replaced, text.slice(a, b), JSON.stringify({ text, a, b }));
      text = text.slice(0, a) + t + text.slice(b);
      assert.equal(shadow.length, text.length);
    }
    assert.equal(shadow.text(), text);
  }
});

test('LineShadow clamps ranges past the end', () => {
  const s = new LineShadow('ab\ncd');
  assert.equal(s.replace({ start: { line: 1, character: 1 }, end: { line: 9, character: 9 } }, 'X'), 'd');
  assert.equal(s.text(), 'ab\ncX');
  assert.equal(s.replace({ start: { line: 0, character: 99 }, end: { line: 0, character: 99 } }, '!'), '');
  assert.equal(s.text(), 'ab!\ncX');
});
