// Types of vouch's LSP extensions (docs/protocol.md, issue 3). Pure: no `vscode` import.
import type { Range } from './ranges';

export type AiKind = 'inline-completion' | 'next-edit' | 'chat' | 'agent' | 'paste' | 'manual' | 'heuristic';

export interface AiSource {
  tool: string;
  model?: string;
  kind?: AiKind;
  session?: string;
}

/** Params of the `vouch/didAcceptAi` notification. */
export interface DidAcceptAiParams {
  textDocument: { uri: string; version: number };
  ranges: Range[];
  source: AiSource;
}

export const DID_ACCEPT_AI = 'vouch/didAcceptAi';
export const REGIONS = 'vouch/regions';

/** Server commands (`workspace/executeCommand`). */
export const CMD_REVIEW = 'vouch.review';
export const CMD_MARK_AI = 'vouch.markAi';
export const CMD_FORGET = 'vouch.forget';

export interface Region {
  range: Range;
  tool: string;
  model?: string | null;
  kind?: string | null;
  reviewed: boolean;
  /** The latest reviewer. */
  reviewedBy?: string | null;
  /** Every review, oldest first (reviews accumulate). */
  reviews?: { by: string; at: string }[];
  acceptedAt?: number | string | null;
}

export interface RegionsResult {
  version: number;
  regions: Region[];
}
