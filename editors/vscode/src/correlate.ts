// Correlating "an inline suggestion was accepted" with the document change that follows it.
// Pure logic (no `vscode` import), unit-tested with node:test.
//
// VS Code's stable API cannot say which edit came from an inline completion. The extension binds
// Tab / Ctrl+Right (under the built-in `when` clauses) to wrapper commands that call `begin()`,
// run `editor.action.inlineSuggest.commit` (or acceptNextWord / acceptNextLine), then call `end()`.
// The document change the built-in command makes is delivered to the extension host before the
// command's result, so every change of that document seen between begin and end belongs to the
// accept. If none arrived by then, the first change within a short grace period still counts; any
// later change is the user's again (in practice VS Code delivers the change before the command
// result, both travel over the same ordered RPC channel, so the grace period rarely matters).

import type { AiSource } from './protocol';

export interface PendingAccept {
  id: number;
  uri: string;
  source: AiSource;
  startedAt: number;
  endedAt?: number;
  seen: number;
}

export class AcceptTracker {
  private pending: PendingAccept | undefined;
  private nextId = 1;
  /** Accepts whose change only arrived after the command finished (claimed in the grace period). */
  late = 0;

  constructor(
    private readonly graceMs = 150,
    private readonly maxMs = 3000,
  ) {}

  /** An accept command is about to run in document `uri`. Replaces any earlier pending accept. */
  begin(uri: string, source: AiSource, now: number): number {
    const id = this.nextId++;
    this.pending = { id, uri, source, startedAt: now, seen: 0 };
    return id;
  }

  /** The accept command `id` finished (or failed). */
  end(id: number, now: number): void {
    const p = this.pending;
    if (!p || p.id !== id) return;
    if (p.seen > 0) this.pending = undefined;
    else p.endedAt = now;
  }

  /** Whether an accept is pending (for tests and logging). */
  get active(): PendingAccept | undefined {
    return this.pending;
  }

  /**
   * A change of document `uri` happened at `now`: the AI source it belongs to, or undefined when
   * it is not part of a pending accept.
   */
  claim(uri: string, now: number): AiSource | undefined {
    const p = this.pending;
    if (!p) return undefined;
    if (now - p.startedAt > this.maxMs) {
      this.pending = undefined;
      return undefined;
    }
    if (p.uri !== uri) return undefined;
    if (p.endedAt === undefined) {
      p.seen++;
      return p.source;
    }
    this.pending = undefined;
    if (p.seen === 0 && now - p.endedAt <= this.graceMs) {
      this.late++;
      return p.source;
    }
    return undefined;
  }

  /** Forget any pending accept (undo/redo, document closed). */
  cancel(uri?: string): void {
    if (!uri || this.pending?.uri === uri) this.pending = undefined;
  }
}
