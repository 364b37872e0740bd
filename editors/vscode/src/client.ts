// The language client: finds and starts `vouch lsp`, keeps the capture's shadow copies in step
// with what VS Code syncs (the didChange middleware sends the change, then the AI notice), and
// sends vouch's requests and commands.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  State,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { config } from './config';
import type { Ctx } from './ctx';
import type { View } from './decorations';
import {
  DID_ACCEPT_AI,
  DidAcceptAiNotification,
  REGIONS,
  RegionsRequest,
  type DidAcceptAiParams,
  type RegionsResult,
} from './protocol';
import type { Range } from './ranges';
import { resolveServerPath } from './serverPath';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A VS Code range as the protocol sends it. */
export function toLsp(r: vscode.Range): Range {
  return {
    start: { line: r.start.line, character: r.start.character },
    end: { line: r.end.line, character: r.end.character },
  };
}

export function fromLsp(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The capture's verdict on a change event, computed while the event is current. */
function captureChange(ctx: Ctx, event: vscode.TextDocumentChangeEvent): DidAcceptAiParams | undefined {
  const doc = event.document;
  const detailedReason = config.useChangeReason()
    ? (event as unknown as { detailedReason?: { source: string; metadata?: Record<string, unknown> } }).detailedReason
    : undefined;
  return ctx.capture.onChange(
    {
      uri: ctx.uriKey(doc.uri),
      version: doc.version,
      changes: event.contentChanges,
      reason: event.reason,
      detailedReason,
      length: doc.offsetAt(new vscode.Position(doc.lineCount, 0)),
      text: () => doc.getText(),
      positionAt: (offset) => {
        const p = doc.positionAt(offset);
        return { line: p.line, character: p.character };
      },
    },
    Date.now(),
  );
}

async function sendAccept(ctx: Ctx, params: DidAcceptAiParams): Promise<void> {
  const client = ctx.client;
  if (!client) return;
  ctx.sent.push(params);
  if (ctx.sent.length > 50) ctx.sent.shift();
  const where = params.ranges
    .map((r) => `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1}`)
    .join(', ');
  ctx.log(`AI edit (${params.source.kind ?? '?'}, ${params.source.tool}) v${params.textDocument.version} ${where}`);
  try {
    await client.sendNotification(DidAcceptAiNotification, params);
  } catch (e) {
    ctx.log(`could not send ${DID_ACCEPT_AI}: ${String(e)}`);
  }
}

function clientOptions(ctx: Ctx, view: View): LanguageClientOptions {
  return {
    documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
    outputChannel: ctx.output,
    initializationOptions: config.server(),
    diagnosticCollectionName: 'vouch',
    middleware: {
      sendNotification: (type, next, params) => {
        ctx.hooks.onNotification?.(typeof type === 'string' ? type : type.method, params);
        return next(type, params);
      },
      didOpen: (doc, next) => {
        ctx.capture.open(ctx.uriKey(doc.uri), doc.getText());
        return next(doc);
      },
      didChange: async (event, next) => {
        // Synchronously, while the event is current: update the shadow, decide AI or not.
        const params = captureChange(ctx, event);
        // didChange goes out first; the AI notice strictly after it.
        await next(event);
        if (params) await sendAccept(ctx, params);
        view.scheduleRefresh(ctx.uriKey(event.document.uri), 300);
      },
      didClose: (doc, next) => {
        const key = ctx.uriKey(doc.uri);
        ctx.capture.close(key);
        ctx.regions.delete(key);
        return next(doc);
      },
    },
  };
}

/** Finds the binary and starts the server; on failure, says why and how to fix it. */
export async function start(ctx: Ctx, view: View): Promise<void> {
  const resolved = resolveServerPath({
    configured: config.path(),
    pathEnv: process.env.PATH,
    home: os.homedir(),
    cargoHome: process.env.CARGO_HOME,
    platform: process.platform,
    isExecutable,
  });
  if (!resolved.found) {
    const what = resolved.configured
      ? `the vouch binary set in "vouch.path" (${resolved.tried[0]}) does not exist or is not executable`
      : 'the vouch binary was not found on PATH or in ~/.cargo/bin';
    ctx.log(`${what}. Looked at: ${resolved.tried.join(', ')}`);
    view.updateStatus();
    void offerInstall(ctx, `Vouch: ${what}. AI-written code is not being tracked.`);
    return;
  }
  ctx.log(`starting ${resolved.path} lsp (found via ${resolved.via})`);
  const serverOptions: ServerOptions = { command: resolved.path, args: ['lsp'], options: { env: process.env } };
  const client = new LanguageClient('vouch', 'Vouch', serverOptions, clientOptions(ctx, view));
  ctx.client = client;
  client.onDidChangeState((e) => {
    ctx.log(`language server ${e.newState === State.Running ? 'running' : e.newState === State.Stopped ? 'stopped' : 'starting'}`);
    view.updateStatus();
  });
  try {
    await client.start();
  } catch (e) {
    ctx.log(`the language server failed to start: ${String(e)}`);
    void vscode.window
      .showErrorMessage(`Vouch: the language server (${resolved.path} lsp) failed to start.`, 'Show Output')
      .then((choice) => choice && ctx.output.show());
    return;
  }
  view.updateStatus();
  for (const editor of vscode.window.visibleTextEditors) view.scheduleRefresh(ctx.uriKey(editor.document.uri), 0);
}

export async function stop(ctx: Ctx): Promise<void> {
  const client = ctx.client;
  ctx.client = undefined;
  if (client && client.state !== State.Stopped) {
    try {
      await client.stop(2000);
    } catch (e) {
      ctx.log(`stopping the server: ${String(e)}`);
    }
  }
}

export async function restart(ctx: Ctx, view: View): Promise<void> {
  await stop(ctx);
  ctx.regions.clear();
  await start(ctx, view);
}

/** Tells the running server the settings changed (`workspace/didChangeConfiguration`). */
export function sendSettings(ctx: Ctx): void {
  void ctx.client
    ?.sendNotification('workspace/didChangeConfiguration', { settings: { vouch: config.server() } })
    .catch((err) => ctx.log(`didChangeConfiguration: ${String(err)}`));
}

async function offerInstall(ctx: Ctx, message: string): Promise<void> {
  const choice = await vscode.window.showErrorMessage(message, 'How to Install', 'Set vouch.path', 'Show Output');
  if (choice === 'How to Install') {
    const doc = await vscode.workspace.openTextDocument({
      language: 'markdown',
      content: [
        '# Installing vouch',
        '',
        'The extension needs the `vouch` command-line tool, which serves the language server (`vouch lsp`).',
        '',
        '1. Install Rust from https://rustup.rs if `cargo` is missing.',
        '2. In a checkout of the vouch repository run `cargo install --locked --path server`.',
        '   This puts `vouch` into `~/.cargo/bin`, where the extension finds it.',
        '3. Or point the setting `vouch.path` at the binary.',
        '4. Run "Vouch: Restart Language Server" (or reload the window).',
        '',
      ].join('\n'),
    });
    await vscode.window.showTextDocument(doc);
  } else if (choice === 'Set vouch.path') {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'vouch.path');
  } else if (choice === 'Show Output') {
    ctx.output.show();
  }
}

/** Runs one of the server's commands (`workspace/executeCommand`); false when it did not run. */
export async function executeServerCommand(ctx: Ctx, command: string, arg: Record<string, unknown>): Promise<boolean> {
  const client = ctx.running();
  if (!client) {
    void vscode.window.showWarningMessage('Vouch: the language server is not running.');
    return false;
  }
  try {
    await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [arg] });
    return true;
  } catch (e) {
    ctx.log(`${command} failed: ${String(e)}`);
    void vscode.window.showErrorMessage(`Vouch: ${command} failed: ${errorText(e)}`);
    return false;
  }
}

/** `vouch/regions` of a document, remembered in `ctx.regions`. */
export async function fetchRegions(ctx: Ctx, uri: vscode.Uri): Promise<RegionsResult | undefined> {
  const client = ctx.running();
  if (!client) return undefined;
  const key = ctx.uriKey(uri);
  try {
    const result: RegionsResult | null = await client.sendRequest(RegionsRequest, { textDocument: { uri: key } });
    if (result && Array.isArray(result.regions)) {
      ctx.regions.set(key, result);
      return result;
    }
  } catch (e) {
    ctx.log(`${REGIONS} for ${key}: ${errorText(e)}`);
  }
  return undefined;
}
