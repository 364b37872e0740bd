// Entry point of the end-to-end test build (`node esbuild.mjs --e2e`, packaged by
// tests/vscode/run.sh): the shipped extension (src/main.ts) plus a test mode, so none of this is
// in the shipped bundle. The test mode is inert unless the extension host's environment has
// VOUCH_E2E_DIR (code-server passes its environment on). Then it:
//   * registers a test-only inline completion provider: on a line that ends with the trigger text
//     (VOUCH_E2E_TRIGGER, default "let total") it offers VOUCH_E2E_COMPLETION, replacing the typed
//     trigger like real providers do (so the extension must trim the repeated prefix);
//   * credits inline accepts to the tool "vouch-e2e";
//   * writes what the extension knows to $VOUCH_E2E_DIR/state.json after every change: the
//     `vouch/regions` answer, VS Code's diagnostics, the notifications sent (and the order in which
//     notifications reached the connection), the status bar text.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../../src/ctx';
import type { View } from '../../src/decorations';
import { api, deactivate, launch } from '../../src/main';

export { deactivate };

type Wire = { method: string; uri?: string; version?: number }[];

export async function activate(context: vscode.ExtensionContext) {
  const dir = process.env.VOUCH_E2E_DIR;
  if (!dir) return api((await launch(context)).ctx);
  // Order in which notifications reach the connection: didChange of a version must precede the
  // vouch/didAcceptAi for that version.
  const wire: Wire = [];
  const onNotification = (method: string, params: unknown) => {
    const doc = (params as { textDocument?: { uri?: string; version?: number } } | undefined)?.textDocument;
    wire.push({ method, uri: doc?.uri, version: doc?.version });
    if (wire.length > 500) wire.shift();
  };
  registerProvider(context);
  const { ctx, view } = await launch(context, { inlineTool: 'vouch-e2e', onNotification });
  ctx.log(`e2e test mode: writing ${path.join(dir, 'state.json')}`);
  watch(ctx, view, context, dir, wire);
  return api(ctx);
}

function registerProvider(context: vscode.ExtensionContext): void {
  const trigger = process.env.VOUCH_E2E_TRIGGER || 'let total';
  const completion = process.env.VOUCH_E2E_COMPLETION || 'let total = a + b;\n    total';
  context.subscriptions.push(
    vscode.languages.registerInlineCompletionItemProvider(
      { pattern: '**' },
      {
        provideInlineCompletionItems(doc, pos) {
          const before = doc.lineAt(pos.line).text.slice(0, pos.character);
          if (!before.endsWith(trigger)) return [];
          const start = pos.translate(0, -trigger.length);
          return [new vscode.InlineCompletionItem(completion, new vscode.Range(start, pos))];
        },
      },
    ),
  );
}

const plainRange = (r: vscode.Range) => ({
  start: { line: r.start.line, character: r.start.character },
  end: { line: r.end.line, character: r.end.character },
});

function state(ctx: Ctx, view: View, wire: Wire) {
  const docs: Record<string, unknown> = {};
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.uri.scheme !== 'file') continue;
    const key = ctx.uriKey(doc.uri);
    docs[key] = {
      path: doc.uri.fsPath,
      version: doc.version,
      text: doc.getText(),
      regions: ctx.regions.get(key) ?? null,
      diagnostics: vscode.languages
        .getDiagnostics(doc.uri)
        .filter((d) => d.source === 'vouch')
        .map((d) => ({
          range: plainRange(d.range),
          message: d.message,
          severity: d.severity,
          code: typeof d.code === 'object' && d.code !== null ? d.code.value : d.code,
        })),
    };
  }
  const editor = vscode.window.activeTextEditor;
  return {
    vscode: vscode.version,
    active: editor ? { uri: ctx.uriKey(editor.document.uri), selection: plainRange(editor.selection) } : null,
    running: ctx.client?.isRunning() ?? false,
    status: view.status.text,
    sent: ctx.sent,
    wire,
    acceptsLate: ctx.tracker.late,
    docs,
    at: Date.now(),
  };
}

/** Writes state.json (atomically) shortly after anything changes, and every second. */
function watch(ctx: Ctx, view: View, context: vscode.ExtensionContext, dir: string, wire: Wire): void {
  const file = path.join(dir, 'state.json');
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      try {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(`${file}.part`, JSON.stringify(state(ctx, view, wire), null, 1));
        fs.renameSync(`${file}.part`, file);
      } catch (e) {
        ctx.log(`e2e: ${String(e)}`);
      }
    }, 20);
  };
  view.onRefresh(schedule);
  const heartbeat = setInterval(schedule, 1000);
  context.subscriptions.push(
    vscode.languages.onDidChangeDiagnostics(schedule),
    vscode.workspace.onDidChangeTextDocument(schedule),
    vscode.workspace.onDidOpenTextDocument(schedule),
    vscode.window.onDidChangeTextEditorSelection(schedule),
    { dispose: () => clearInterval(heartbeat) },
  );
}
