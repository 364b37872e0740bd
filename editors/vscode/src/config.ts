// The extension's settings (`vouch.*` in package.json), read fresh on every use so a change in the
// settings UI applies at once; which changes need a server restart, new server settings or redrawn
// decorations.
import * as vscode from 'vscode';
import type { HeuristicOptions } from './heuristic';

export type DecorationMode = 'background' | 'gutter' | 'both' | 'off';

/** What the server reads from `initializationOptions` and `workspace/didChangeConfiguration`. */
export interface ServerSettings {
  severity: string;
  reviewer: string | null;
  reviewRange: string | null;
}

function section(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('vouch');
}

export const config = {
  /** `vouch.path`: the binary ("" = look it up). */
  path: (): string => section().get<string>('path', ''),
  decorations: (): DecorationMode => section().get<DecorationMode>('decorations', 'background'),
  useChangeReason: (): boolean => section().get<boolean>('useChangeReason', true),
  reviewRange: (): string => section().get<string>('reviewRange', '').trim(),
  /** The opt-in heuristic's thresholds, or undefined when it is off. */
  heuristic: (): HeuristicOptions | undefined =>
    section().get<boolean>('heuristic.enabled', false)
      ? { minLines: section().get<number>('heuristic.minLines', 3), minChars: section().get<number>('heuristic.minChars', 50) }
      : undefined,
  server: (): ServerSettings => {
    const reviewer = section().get<string>('reviewer', '').trim();
    const reviewRange = config.reviewRange();
    return { severity: section().get<string>('severity', 'warning'), reviewer: reviewer || null, reviewRange: reviewRange || null };
  },
  /** Stores the sign-off range in the workspace settings. */
  setReviewRange: (range: string): Thenable<void> =>
    section().update('reviewRange', range.trim(), vscode.ConfigurationTarget.Workspace),
};

/** What a settings change means for the extension. */
export function configChange(e: vscode.ConfigurationChangeEvent): { restart: boolean; server: boolean; decorations: boolean } {
  return {
    restart: e.affectsConfiguration('vouch.path'),
    server: ['vouch.severity', 'vouch.reviewer', 'vouch.reviewRange'].some((s) => e.affectsConfiguration(s)),
    decorations: e.affectsConfiguration('vouch.decorations'),
  };
}
