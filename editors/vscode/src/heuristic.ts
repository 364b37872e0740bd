// Opt-in heuristic (setting vouch.heuristic.enabled, off by default): a single change that inserts
// a large multi-line block while an AI extension is active is taken as AI-written, kind `heuristic`.
// Pure: no `vscode` import.
import type { ContentChange } from './ranges';

export interface HeuristicOptions {
  minLines: number;
  minChars: number;
}

/** Whether a change event (its content changes) looks like an AI insertion. */
export function looksLikeAiInsertion(changes: readonly ContentChange[], opts: HeuristicOptions): boolean {
  if (changes.length !== 1) return false;
  const [c] = changes;
  if (c.text.length < opts.minChars) return false;
  let lines = 1;
  for (let i = 0; i < c.text.length; i++) if (c.text.charCodeAt(i) === 10) lines++;
  if (lines < opts.minLines) return false;
  // An insertion, possibly replacing a little typed text; not a rewrite of a block.
  return c.rangeLength * 4 <= c.text.length;
}
