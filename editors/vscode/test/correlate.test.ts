import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AcceptTracker } from '../src/correlate';

const src = { tool: 'copilot', kind: 'inline-completion' as const };

test('changes while the accept command runs belong to it; later ones do not', () => {
  const t = new AcceptTracker(500, 3000);
  const id = t.begin('file:///a', src, 1000);
  assert.deepEqual(t.claim('file:///a', 1001), src);
  assert.deepEqual(t.claim('file:///a', 1002), src, 'an accept may make several changes');
  t.end(id, 1003);
  assert.equal(t.claim('file:///a', 1004), undefined, 'typing right after the accept is human');
  assert.equal(t.late, 0);
});

test('a change that arrives after the command finished still counts, once, within the grace period', () => {
  const t = new AcceptTracker(500, 3000);
  const id = t.begin('file:///a', src, 1000);
  t.end(id, 1010);
  assert.deepEqual(t.claim('file:///a', 1200), src);
  assert.equal(t.claim('file:///a', 1201), undefined);
  assert.equal(t.late, 1);
});

test('no change within the grace period: the accept did nothing', () => {
  const t = new AcceptTracker(500, 3000);
  const id = t.begin('file:///a', src, 1000);
  t.end(id, 1010);
  assert.equal(t.claim('file:///a', 1600), undefined);
  assert.equal(t.active, undefined);
});

test('changes of other documents are not claimed and do not end the accept', () => {
  const t = new AcceptTracker();
  t.begin('file:///a', src, 0);
  assert.equal(t.claim('file:///b', 1), undefined);
  assert.deepEqual(t.claim('file:///a', 2), src);
});

test('a stale accept expires', () => {
  const t = new AcceptTracker(500, 3000);
  t.begin('file:///a', src, 0);
  assert.equal(t.claim('file:///a', 3001), undefined);
});

test('end of an older accept does not touch a newer one', () => {
  const t = new AcceptTracker();
  const first = t.begin('file:///a', src, 0);
  t.begin('file:///a', { tool: 'x' }, 1);
  t.end(first, 2);
  assert.deepEqual(t.claim('file:///a', 3), { tool: 'x' });
});

test('cancel (undo, close) drops the pending accept', () => {
  const t = new AcceptTracker();
  t.begin('file:///a', src, 0);
  t.cancel('file:///b');
  assert.ok(t.active);
  t.cancel('file:///a');
  assert.equal(t.claim('file:///a', 1), undefined);
});
