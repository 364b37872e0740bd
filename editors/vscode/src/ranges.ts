// Pure range arithmetic for AI-inserted text (no `vscode` import: unit-tested with node:test).
//
// VS Code reports a document change as a list of content changes, each with `rangeOffset` /
// `rangeLength` (UTF-16 code units, the unit of JS strings and of LSP's default position
// encoding) and the new `text`. vscode-languageclient forwards them unchanged, and LSP applies
// them one after the other; VS Code lists them from the bottom of the document up, so applying
// them in order is correct for both readings. We do the same on a shadow copy of the text, so we
// know exactly which characters each change replaced.
//
// An accepted completion often rewrites text the user already typed (the completion's range starts
// at the beginning of the word or line and its text repeats the typed prefix). Only the characters
// that really changed were written by the AI, so every change is trimmed to the part that differs
// from the text it replaced: common prefix and common suffix are dropped.

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface ContentChange {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

/** Half-open interval [start, end) of UTF-16 offsets. */
export type Interval = [number, number];

export interface AppliedChanges {
  /** The text after all changes. */
  text: string;
  /** What the changes inserted (trimmed, merged, in document order), as offsets into `text`. */
  inserted: Interval[];
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Lengths of the common prefix and suffix of `a` and `b`, never splitting a surrogate pair and
 * never overlapping (prefix + suffix <= the shorter length).
 */
export function commonAffixes(a: string, b: string): { prefix: number; suffix: number } {
  const n = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < n && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  // Do not end the prefix between the two halves of a surrogate pair.
  if (prefix > 0 && prefix < n && isHighSurrogate(a.charCodeAt(prefix - 1))) prefix--;
  let suffix = 0;
  const room = n - prefix;
  while (suffix < room && a.charCodeAt(a.length - 1 - suffix) === b.charCodeAt(b.length - 1 - suffix)) suffix++;
  if (suffix > 0 && suffix < room && isLowSurrogate(b.charCodeAt(b.length - suffix))) suffix--;
  return { prefix, suffix };
}

/** Sorts and merges touching or overlapping intervals; drops empty ones. */
export function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter(([s, e]) => e > s).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: Interval[] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/**
 * Intervals moved through a change that replaced `[start, end)` and changed the length by
 * `delta`: those after it shift, those it overwrote are clipped to what is left of them.
 */
export function moveThrough(intervals: readonly Interval[], start: number, end: number, delta: number): Interval[] {
  const moved: Interval[] = [];
  for (const [s, e] of intervals) {
    if (e <= start) moved.push([s, e]);
    else if (s >= end) moved.push([s + delta, e + delta]);
    else {
      if (s < start) moved.push([s, start]);
      if (e > end) moved.push([end + delta, e + delta]);
    }
  }
  return moved;
}

/**
 * Intervals of new text inserted by `changes` (applied in order; `replaced[i]` is the text change
 * i replaced), each trimmed to what differs from the replaced text and moved through the changes
 * that follow it. Offsets are into the text after all changes.
 */
export function mapInsertions(changes: readonly ContentChange[], replaced: readonly string[]): Interval[] {
  let inserted: Interval[] = [];
  changes.forEach((change, i) => {
    const start = change.rangeOffset;
    const end = start + replaced[i].length;
    const delta = change.text.length - replaced[i].length;
    inserted = moveThrough(inserted, start, end, delta);
    const { prefix, suffix } = commonAffixes(replaced[i], change.text);
    if (change.text.length - prefix - suffix > 0) {
      inserted.push([start + prefix, start + change.text.length - suffix]);
    }
  });
  return mergeIntervals(inserted);
}

/**
 * Applies `changes` in order to `oldText` and returns the new text plus the intervals of new text
 * they inserted (see `mapInsertions`).
 */
export function applyChanges(oldText: string, changes: readonly ContentChange[]): AppliedChanges {
  let text = oldText;
  const clamped: ContentChange[] = [];
  const replaced: string[] = [];
  for (const change of changes) {
    const start = Math.max(0, Math.min(change.rangeOffset, text.length));
    const end = Math.max(start, Math.min(change.rangeOffset + change.rangeLength, text.length));
    clamped.push({ rangeOffset: start, rangeLength: end - start, text: change.text });
    replaced.push(text.slice(start, end));
    text = text.slice(0, start) + change.text + text.slice(end);
  }
  return { text, inserted: mapInsertions(clamped, replaced) };
}

/**
 * A document's text as an array of lines ("\r" stays at the end of its line), edited in place by
 * LSP ranges: a keystroke costs O(line length), not O(document length), so a shadow copy of every
 * open document is cheap to keep.
 */
export class LineShadow {
  private lines: string[];
  /** Length of the text in UTF-16 code units. */
  length: number;

  constructor(text: string) {
    this.lines = text.split('\n');
    this.length = text.length;
  }

  /** Replaces `range` (clamped to the text) by `text`; returns the text it replaced. */
  replace(range: Range, text: string): string {
    const last = this.lines.length - 1;
    let sl = Math.min(Math.max(range.start.line, 0), last);
    let sc = range.start.line > last ? this.lines[last].length : Math.max(range.start.character, 0);
    const el = Math.min(Math.max(range.end.line, 0), last);
    const ec = range.end.line > last ? this.lines[last].length : Math.max(range.end.character, 0);
    if (el < sl) sl = el;
    const first = this.lines[sl];
    const final = this.lines[el];
    sc = Math.min(sc, first.length);
    const ecc = Math.min(ec, final.length);
    if (sl === el && ecc < sc) sc = ecc;
    const replaced =
      sl === el
        ? first.slice(sc, ecc)
        : [first.slice(sc), ...this.lines.slice(sl + 1, el), final.slice(0, ecc)].join('\n');
    const newLines = (first.slice(0, sc) + text + final.slice(ecc)).split('\n');
    if (newLines.length === 1 && sl === el) this.lines[sl] = newLines[0];
    else if (newLines.length < 10000) this.lines.splice(sl, el - sl + 1, ...newLines);
    else this.lines = this.lines.slice(0, sl).concat(newLines, this.lines.slice(el + 1));
    this.length += text.length - replaced.length;
    return replaced;
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** Offsets at which each line starts (after "\n"; "\r\n" counts as one line break). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 10) starts.push(i + 1);
  }
  return starts;
}

/** LSP position (UTF-16) of `offset` in `text`; `starts` from `lineStarts(text)`. */
export function positionAt(text: string, starts: number[], offset: number): Position {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= clamped) lo = mid;
    else hi = mid - 1;
  }
  let character = clamped - starts[lo];
  // An offset between "\r" and "\n" is the end of the line in LSP terms.
  if (character > 0 && text.charCodeAt(clamped) === 10 && text.charCodeAt(clamped - 1) === 13) character--;
  return { line: lo, character };
}

/** UTF-16 offset of an LSP position in `text` (clamped to the line). */
export function offsetAt(text: string, starts: number[], pos: Position): number {
  if (pos.line < 0) return 0;
  if (pos.line >= starts.length) return text.length;
  const lineStart = starts[pos.line];
  let lineEnd = pos.line + 1 < starts.length ? starts[pos.line + 1] - 1 : text.length;
  if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13 && pos.line + 1 < starts.length) lineEnd--;
  return Math.min(lineStart + Math.max(0, pos.character), lineEnd);
}

/** Converts offset intervals of `text` into LSP ranges. */
export function intervalsToRanges(text: string, intervals: readonly Interval[]): Range[] {
  if (intervals.length === 0) return [];
  const starts = lineStarts(text);
  return intervals.map(([s, e]) => ({ start: positionAt(text, starts, s), end: positionAt(text, starts, e) }));
}

/** Number of lines a range touches (an end at column 0 of the next line does not count). */
export function lineCount(range: Range): number {
  const last = range.end.character === 0 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line;
  return last - range.start.line + 1;
}

/** a < b, a == b, a > b as -1, 0, 1. */
export function comparePositions(a: Position, b: Position): number {
  if (a.line !== b.line) return a.line < b.line ? -1 : 1;
  if (a.character !== b.character) return a.character < b.character ? -1 : 1;
  return 0;
}

/** Whether `pos` lies inside `range` (both ends included). */
export function rangeContains(range: Range, pos: Position): boolean {
  return comparePositions(range.start, pos) <= 0 && comparePositions(pos, range.end) <= 0;
}

/** Whether two ranges share at least one character (or touch, when `touching`). */
export function rangesOverlap(a: Range, b: Range, touching = false): boolean {
  const limit = touching ? 0 : -1;
  return comparePositions(a.start, b.end) <= limit && comparePositions(b.start, a.end) <= limit;
}
