// The extension's shared state: the output channel, the capture of AI edits, the language client
// once started, and what the server last said about each document's regions.
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { Capture } from './capture';
import { config } from './config';
import { AcceptTracker } from './correlate';
import type { DidAcceptAiParams, RegionsResult } from './protocol';
import { inlineTool, KNOWN_AI_EXTENSIONS } from './tools';

/**
 * Observers for the end-to-end test build (test/e2e/), which is the only caller that passes them:
 * the shipped extension leaves them empty.
 */
export interface Hooks {
  /** The tool credited for inline accepts, instead of the active AI extension's. */
  inlineTool?: string;
  /** Sees every notification as it is handed to the connection. */
  onNotification?: (method: string, params: unknown) => void;
}

export class Ctx {
  readonly output = vscode.window.createOutputChannel('Vouch');
  readonly tracker = new AcceptTracker();
  readonly capture: Capture;
  client: LanguageClient | undefined;
  /** Last `vouch/regions` answer per document (key: URI string as sent to the server). */
  readonly regions = new Map<string, RegionsResult>();
  /** Notifications sent, newest last (kept short). */
  readonly sent: DidAcceptAiParams[] = [];

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly hooks: Hooks = {},
  ) {
    this.capture = new Capture(this.tracker, {
      heuristic: config.heuristic,
      heuristicTool: () => this.activeAiTool(),
      log: (m) => this.log(m),
    });
    context.subscriptions.push(this.output);
  }

  log(message: string): void {
    this.output.appendLine(`[${new Date().toISOString()}] ${message}`);
  }

  /** The URI as the server knows it. */
  uriKey(uri: vscode.Uri): string {
    return this.client ? this.client.code2ProtocolConverter.asUri(uri) : uri.toString();
  }

  /** The client when the server is running. */
  running(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  /** The AI tool of an active AI extension, if any. */
  activeAiTool(): string | undefined {
    const active = vscode.extensions.all.filter((e) => e.isActive).map((e) => e.id);
    return inlineTool(active.filter((id) => KNOWN_AI_EXTENSIONS.includes(id.toLowerCase())));
  }

  /** Who to credit for an inline completion accepted with Tab / Ctrl+Right. */
  inlineTool(): string {
    return this.hooks.inlineTool ?? this.activeAiTool() ?? 'unknown';
  }
}
