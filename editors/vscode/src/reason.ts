// The proposed `textDocumentChangeReason` API (VS Code Insiders / --enable-proposed-api): every
// change event carries `detailedReason = { source, metadata }`, where the source names what made
// the edit. Pure: no `vscode` import. Sources and metadata keys from VS Code's
// src/vs/editor/common/textModelEditSource.ts (see the shared reference on editor signals).

import type { AiSource } from './protocol';
import { toolForExtension } from './tools';

export interface DetailedReason {
  readonly source: string;
  readonly metadata?: { readonly [key: string]: unknown };
}

export type ReasonVerdict = { ai: AiSource } | { human: true } | undefined;

const AI_SOURCES = new Set([
  'inlineCompletionAccept',
  'inlineCompletionPartialAccept',
  'Chat.applyEdits',
  'inlineChat.applyEdits',
]);

/** Reads a metadata key; VS Code may hand over the metadata object itself or wrap it once more. */
function meta(reason: DetailedReason, key: string): unknown {
  const m = reason.metadata as Record<string, unknown> | undefined;
  if (!m) return undefined;
  if (m[key] !== undefined) return m[key];
  const inner = m.metadata as Record<string, unknown> | undefined;
  return inner && typeof inner === 'object' ? inner[key] : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * What a change's `detailedReason` says: AI (with tool, model, kind, session), a known non-AI
 * source (human), or undefined when there is no reason or it is `unknown` (fall back to the
 * stable-API signals).
 */
export function classifyReason(reason: DetailedReason | undefined): ReasonVerdict {
  if (!reason || typeof reason.source !== 'string' || reason.source === 'unknown') return undefined;
  if (!AI_SOURCES.has(reason.source)) return { human: true };
  const extensionId = str(meta(reason, '$extensionId'));
  const model = str(meta(reason, '$modelId'));
  const session = str(meta(reason, '$$sessionId'));
  let kind: AiSource['kind'];
  switch (reason.source) {
    case 'inlineCompletionAccept':
      kind = meta(reason, '$nes') ? 'next-edit' : 'inline-completion';
      break;
    case 'inlineCompletionPartialAccept':
      kind = 'inline-completion';
      break;
    case 'Chat.applyEdits':
      kind = meta(reason, '$$mode') === 'agent' || meta(reason, '$origin') === 'agentHost' ? 'agent' : 'chat';
      break;
    default:
      kind = 'chat';
  }
  const harness = str(meta(reason, '$harness'));
  const tool = harness ?? (extensionId ? toolForExtension(extensionId) : reason.source.startsWith('inlineCompletion') ? 'inline-completion' : 'vscode-chat');
  const source: AiSource = { tool, kind };
  if (model) source.model = model;
  if (session) source.session = session;
  return { ai: source };
}
