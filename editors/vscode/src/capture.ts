// Turns document change events into `vouch/didAcceptAi` notifications. Pure: no `vscode` import
// (the extension adapts VS Code's events to `ChangeEventLike`), unit-tested with node:test.
//
// Keeps a shadow copy of every synchronised document so each AI change can be trimmed to the
// characters that really changed (see ranges.ts). Signals, strongest first:
//   1. undo / redo: never AI;
//   2. the proposed `detailedReason` (when VS Code provides it): AI or not, with tool and model;
//   3. a pending inline-suggestion accept from the Tab / Ctrl+Right wrappers (correlate.ts);
//   4. the opt-in heuristic (heuristic.ts), kind `heuristic`.

import { AcceptTracker } from './correlate';
import { looksLikeAiInsertion, type HeuristicOptions } from './heuristic';
import type { AiSource, DidAcceptAiParams } from './protocol';
import { classifyReason, type DetailedReason } from './reason';
import { LineShadow, mapInsertions, mergeIntervals, moveThrough, type ContentChange, type Interval, type Position, type Range } from './ranges';

/** A content change as VS Code reports it: offsets and the same range as positions. */
export interface CaptureChange extends ContentChange {
  range: Range;
}

export interface ChangeEventLike {
  uri: string;
  /** Document version after the change (what didChange carries). */
  version: number;
  changes: readonly CaptureChange[];
  /** Stable `TextDocumentChangeReason`: 1 = undo, 2 = redo. */
  reason?: number;
  /** Proposed API `textDocumentChangeReason`, when enabled. */
  detailedReason?: DetailedReason;
  /** Length of the document after the change (cheap check that the shadow is in sync). */
  length: number;
  /** Full text after the change (only read to resynchronise). */
  text: () => string;
  /** Position of an offset in the document after the change. */
  positionAt: (offset: number) => Position;
}

export interface CaptureOptions {
  /** Heuristic settings, or undefined when the heuristic is off. */
  heuristic: () => HeuristicOptions | undefined;
  /** Tool credited by the heuristic: an active AI extension, or undefined when none is active. */
  heuristicTool: () => string | undefined;
  log?: (msg: string) => void;
}

/** Inserted intervals of the final text, untrimmed, when the old text is unknown. */
// (mapInsertions needs the replaced text; without it nothing can be trimmed.)
function insertedByLength(changes: readonly ContentChange[]): Interval[] {
  let inserted: Interval[] = [];
  for (const c of changes) {
    inserted = moveThrough(inserted, c.rangeOffset, c.rangeOffset + c.rangeLength, c.text.length - c.rangeLength);
    if (c.text.length > 0) inserted.push([c.rangeOffset, c.rangeOffset + c.text.length]);
  }
  return mergeIntervals(inserted);
}

export class Capture {
  private readonly shadows = new Map<string, LineShadow>();

  constructor(
    readonly tracker: AcceptTracker,
    private readonly opts: CaptureOptions,
  ) {}

  open(uri: string, text: string): void {
    this.shadows.set(uri, new LineShadow(text));
  }

  close(uri: string): void {
    this.shadows.delete(uri);
    this.tracker.cancel(uri);
  }

  has(uri: string): boolean {
    return this.shadows.has(uri);
  }

  /** Which AI source (if any) a change belongs to. Consumes a pending accept when it matches. */
  private attribute(ev: ChangeEventLike, now: number): AiSource | undefined {
    if (ev.reason === 1 || ev.reason === 2) {
      this.tracker.cancel(ev.uri);
      return undefined;
    }
    const claimed = this.tracker.claim(ev.uri, now);
    const verdict = classifyReason(ev.detailedReason);
    if (verdict && 'ai' in verdict) return verdict.ai;
    if (verdict) return undefined; // a known non-AI source: trust it over the wrappers
    if (claimed) return claimed;
    const heuristic = this.opts.heuristic();
    if (heuristic && looksLikeAiInsertion(ev.changes, heuristic)) {
      const tool = this.opts.heuristicTool();
      if (tool) return { tool, kind: 'heuristic' };
    }
    return undefined;
  }

  /**
   * Processes one change event (call it for every change, in order, synchronously when it
   * happens). Returns the notification to send after the change itself was sent, if any.
   */
  onChange(ev: ChangeEventLike, now: number): DidAcceptAiParams | undefined {
    if (ev.changes.length === 0) return undefined;
    const source = this.attribute(ev, now);
    const shadow = this.shadows.get(ev.uri);
    let inserted: Interval[];
    if (shadow) {
      const replaced = ev.changes.map((c) => shadow.replace(c.range, c.text));
      if (shadow.length === ev.length) {
        inserted = source ? mapInsertions(ev.changes, replaced) : [];
      } else {
        this.opts.log?.(`shadow of ${ev.uri} out of sync (${shadow.length} != ${ev.length}); resynchronised`);
        this.shadows.set(ev.uri, new LineShadow(ev.text()));
        inserted = source ? insertedByLength(ev.changes) : [];
      }
    } else {
      this.shadows.set(ev.uri, new LineShadow(ev.text()));
      inserted = source ? insertedByLength(ev.changes) : [];
    }
    if (!source || inserted.length === 0) return undefined;
    return {
      textDocument: { uri: ev.uri, version: ev.version },
      ranges: inserted.map(([start, end]) => ({ start: ev.positionAt(start), end: ev.positionAt(end) })),
      source,
    };
  }
}
