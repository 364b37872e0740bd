// Vouch's LSP extensions (docs/protocol.md), typed for vscode-languageclient: the mirror of
// `server/src/lsp/ext.rs`. Interface and field names match the Rust types exactly; the
// integration test `protocol_ext` (tests/it/protocol_ext.rs) fails when this file, ext.rs and
// docs/protocol.md drift apart. Pure: no `vscode` import.
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { Range } from './ranges';

export type AiKind = 'inline-completion' | 'next-edit' | 'chat' | 'agent' | 'paste' | 'manual' | 'heuristic';

/** Who wrote the text: `tool` required; `kind` defaults to `inline-completion`. */
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

/** Notification `vouch/didAcceptAi` (client to server). */
export const DidAcceptAiNotification = new NotificationType<DidAcceptAiParams>('vouch/didAcceptAi');

/** Params of the `vouch/regions` request. */
export interface RegionsParams {
  textDocument: { uri: string };
}

/** One review: who and when (RFC 3339). */
export interface ReviewJson {
  by: string;
  at: string;
}

/** A span's attribution (also the start of a diagnostic's `data`). */
export interface AttributionJson {
  tool: string;
  model?: string | null;
  kind?: string | null;
  reviewed: boolean;
  /** The latest reviewer. */
  reviewedBy?: string | null;
  /** Every review, oldest first (reviews accumulate). */
  reviews?: ReviewJson[];
  acceptedAt?: number | string | null;
}

/** One AI-written span. */
export interface Region extends AttributionJson {
  range: Range;
}

export interface RegionsResult {
  version: number;
  regions: Region[];
}

/** Request `vouch/regions`: every AI-written span of a document. */
export const RegionsRequest = new RequestType<RegionsParams, RegionsResult, void>('vouch/regions');

export const DID_ACCEPT_AI = DidAcceptAiNotification.method;
export const REGIONS = RegionsRequest.method;

/** Server commands (`workspace/executeCommand`). */
export const CMD_REVIEW = 'vouch.review';
export const CMD_MARK_AI = 'vouch.markAi';
export const CMD_FORGET = 'vouch.forget';
export const CMD_APPROVE_RANGE = 'vouch.approveRange';

/** The argument of `vouch.review`, `vouch.markAi` and `vouch.forget`. */
export interface CommandTarget {
  uri: string;
  range?: Range;
  tool?: string;
  model?: string;
}

/** The argument of `vouch.approveRange` (all optional). */
export interface ApproveTarget {
  uri?: string;
  startLine?: number;
  endLine?: number;
}

/** The result of `vouch.approveRange`. */
export interface ApproveResult {
  principal: string;
  key: string;
  lines: number;
  files: number;
}
