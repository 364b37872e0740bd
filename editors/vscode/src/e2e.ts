// Test mode for the end-to-end test in real VS Code (tests/vscode/). Inert unless the environment
// of the extension host has VOUCH_E2E_DIR (code-server passes its environment on). Then it:
//   * registers a test-only inline completion provider: on a line that ends with the trigger text
//     (VOUCH_E2E_TRIGGER, default "let total") it offers VOUCH_E2E_COMPLETION, replacing the typed
//     trigger like real providers do (so the extension must trim the repeated prefix);
//   * credits inline accepts to the tool "vouch-e2e";
//   * writes what the extension knows to $VOUCH_E2E_DIR/state.json after every change: the
//     `vouch/regions` answer, VS Code's diagnostics, the notifications sent, the status bar text.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { VouchExtension } from './extension';

export interface E2E {
  tool: string;
}

export function startE2E(ext: VouchExtension, context: vscode.ExtensionContext): E2E | undefined {
  const dir = process.env.VOUCH_E2E_DIR;
  if (!dir) return undefined;
  const trigger = process.env.VOUCH_E2E_TRIGGER || 'let total';
  const completion = process.env.VOUCH_E2E_COMPLETION || 'let total = a + b;\n    total';
  ext.log(`e2e test mode: writing ${path.join(dir, 'state.json')}`);

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

  // Order in which notifications reach the connection: didChange of a version must precede the
  // vouch/didAcceptAi for that version.
  const wire: { method: string; uri?: string; version?: number }[] = [];
  ext.onWire = (method, params) => {
    const doc = (params as { textDocument?: { uri?: string; version?: number } } | undefined)?.textDocument;
    wire.push({ method, uri: doc?.uri, version: doc?.version });
    if (wire.length > 500) wire.shift();
  };

  let timer: NodeJS.Timeout | undefined;
  const write = () => {
    const docs: Record<string, unknown> = {};
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme !== 'file') continue;
      const key = ext.uriKey(doc.uri);
      const regions = ext.regions.get(key);
      docs[key] = {
        path: doc.uri.fsPath,
        version: doc.version,
        text: doc.getText(),
        regions: regions ?? null,
        diagnostics: vscode.languages
          .getDiagnostics(doc.uri)
          .filter((d) => d.source === 'vouch')
          .map((d) => ({
            range: {
              start: { line: d.range.start.line, character: d.range.start.character },
              end: { line: d.range.end.line, character: d.range.end.character },
            },
            message: d.message,
            severity: d.severity,
            code: typeof d.code === 'object' && d.code !== null ? d.code.value : d.code,
          })),
      };
    }
    const editor = vscode.window.activeTextEditor;
    const state = {
      vscode: vscode.version,
      active: editor
        ? {
            uri: ext.uriKey(editor.document.uri),
            selection: {
              start: { line: editor.selection.start.line, character: editor.selection.start.character },
              end: { line: editor.selection.end.line, character: editor.selection.end.character },
            },
          }
        : null,
      running: ext.client?.isRunning() ?? false,
      status: ext.status.text,
      sent: ext.sent,
      wire,
      acceptsLate: ext.tracker.late,
      docs,
      at: Date.now(),
    };
    const file = path.join(dir, 'state.json');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${file}.part`, JSON.stringify(state, null, 1));
    fs.renameSync(`${file}.part`, file);
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      try {
        write();
      } catch (e) {
        ext.log(`e2e: ${String(e)}`);
      }
    }, 20);
  };
  ext.onRefresh(schedule);
  context.subscriptions.push(
    vscode.languages.onDidChangeDiagnostics(schedule),
    vscode.workspace.onDidChangeTextDocument(schedule),
    vscode.workspace.onDidOpenTextDocument(schedule),
    vscode.window.onDidChangeTextEditorSelection(schedule),
  );
  const heartbeat = setInterval(schedule, 1000);
  context.subscriptions.push({ dispose: () => clearInterval(heartbeat) });
  return { tool: 'vouch-e2e' };
}
