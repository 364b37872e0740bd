// Helpers over the regions returned by `vouch/regions`. Pure: no `vscode` import.
import type { Region } from './protocol';
import { comparePositions, lineCount, rangeContains, type Position } from './ranges';

export function unreviewed(regions: readonly Region[]): Region[] {
  return regions.filter((r) => !r.reviewed);
}

/** The region under `pos` (unreviewed ones first), if any. */
export function regionAt(regions: readonly Region[], pos: Position): Region | undefined {
  const hits = regions.filter((r) => rangeContains(r.range, pos));
  return hits.find((r) => !r.reviewed) ?? hits[0];
}

/** The first unreviewed region starting after `pos`, wrapping around to the first one. */
export function nextUnreviewed(regions: readonly Region[], pos: Position): Region | undefined {
  const list = unreviewed(regions).sort((a, b) => comparePositions(a.range.start, b.range.start));
  return list.find((r) => comparePositions(r.range.start, pos) > 0) ?? list[0];
}

/** "copilot (gpt-4.1) · 7 lines" */
export function describeRegion(r: Region): string {
  const n = lineCount(r.range);
  const who = r.model ? `${r.tool} (${r.model})` : r.tool;
  return `${who} · ${n} ${n === 1 ? 'line' : 'lines'}`;
}

export function statusText(unreviewedCount: number): string {
  return `AI: ${unreviewedCount} unreviewed`;
}
