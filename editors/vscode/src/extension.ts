// Vouch for VS Code: runs `vouch lsp`, reports AI-written text to it (`vouch/didAcceptAi`), and
// shows what it knows: decorations, diagnostics with code actions, a status bar item, commands.
// Protocol: docs/protocol.md. The pure logic lives in the other modules of this folder.

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
import { Capture } from './capture';
import { AcceptTracker } from './correlate';
import { E2E, startE2E } from './e2e';
import {
  CMD_FORGET,
  CMD_MARK_AI,
  CMD_REVIEW,
  CMD_APPROVE_RANGE,
  DID_ACCEPT_AI,
  DidAcceptAiNotification,
  REGIONS,
  RegionsRequest,
  type AiSource,
  type DidAcceptAiParams,
  type Region,
  type RegionsResult,
} from './protocol';
import { describeRegion, nextUnreviewed, regionAt, statusText, unreviewed } from './regions';
import { resolveServerPath } from './serverPath';
import { inlineTool, KNOWN_AI_EXTENSIONS } from './tools';

const DIAGNOSTIC_CODE = 'unreviewed-ai';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('vouch');
}

function serverSettings(): { severity: string; reviewer: string | null; reviewRange: string | null } {
  const reviewer = config().get<string>('reviewer', '').trim();
  const reviewRange = config().get<string>('reviewRange', '').trim();
  return {
    severity: config().get<string>('severity', 'warning'),
    reviewer: reviewer || null,
    reviewRange: reviewRange || null,
  };
}

function toLsp(r: vscode.Range): { start: { line: number; character: number }; end: { line: number; character: number } } {
  return {
    start: { line: r.start.line, character: r.start.character },
    end: { line: r.end.line, character: r.end.character },
  };
}

function fromLsp(r: Region['range']): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

function isVouchDiagnostic(d: vscode.Diagnostic): boolean {
  const code = typeof d.code === 'object' && d.code !== null ? d.code.value : d.code;
  return d.source === 'vouch' && code === DIAGNOSTIC_CODE;
}

export class VouchExtension {
  readonly output = vscode.window.createOutputChannel('Vouch');
  readonly tracker = new AcceptTracker();
  readonly capture: Capture;
  client: LanguageClient | undefined;
  /** Last `vouch/regions` answer per document (key: URI string as sent to the server). */
  readonly regions = new Map<string, RegionsResult>();
  /** Notifications sent, newest last (kept short; read by the e2e test mode). */
  readonly sent: DidAcceptAiParams[] = [];
  readonly status: vscode.StatusBarItem;
  private decorationTypes: { unreviewed: vscode.TextEditorDecorationType; reviewed: vscode.TextEditorDecorationType } | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly refreshUris = new Set<string>();
  private readonly listeners: ((uri: string) => void)[] = [];
  e2e: E2E | undefined;
  /** Called with every notification as it is handed to the connection (test mode only). */
  onWire: ((method: string, params: unknown) => void) | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.capture = new Capture(this.tracker, {
      heuristic: () =>
        config().get<boolean>('heuristic.enabled', false)
          ? {
              minLines: config().get<number>('heuristic.minLines', 3),
              minChars: config().get<number>('heuristic.minChars', 50),
            }
          : undefined,
      heuristicTool: () => this.activeAiTool(),
      log: (m) => this.log(m),
    });
    this.status = vscode.window.createStatusBarItem('vouch.status', vscode.StatusBarAlignment.Right, 100);
    this.status.name = 'Vouch';
    this.status.command = 'vouch.showUnreviewed';
    context.subscriptions.push(this.output, this.status);
  }

  log(message: string): void {
    this.output.appendLine(`[${new Date().toISOString()}] ${message}`);
  }

  // ---- signals ------------------------------------------------------------------------------

  /** The AI tool of an active AI extension, if any. */
  activeAiTool(): string | undefined {
    const active = vscode.extensions.all.filter((e) => e.isActive).map((e) => e.id);
    return inlineTool(active.filter((id) => KNOWN_AI_EXTENSIONS.includes(id.toLowerCase())));
  }

  private inlineSource(): AiSource {
    const tool = this.e2e?.tool ?? this.activeAiTool() ?? 'unknown';
    return { tool, kind: 'inline-completion' };
  }

  /** Tab / Ctrl+Right wrappers: remember the pending accept, then run the built-in command. */
  private async acceptInline(builtin: string): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const id = editor ? this.tracker.begin(this.uriKey(editor.document.uri), this.inlineSource(), Date.now()) : undefined;
    try {
      await vscode.commands.executeCommand(builtin);
    } finally {
      if (id !== undefined) this.tracker.end(id, Date.now());
    }
  }

  uriKey(uri: vscode.Uri): string {
    return this.client ? this.client.code2ProtocolConverter.asUri(uri) : uri.toString();
  }

  private onDidChange(event: vscode.TextDocumentChangeEvent): DidAcceptAiParams | undefined {
    const doc = event.document;
    const detailedReason = !config().get<boolean>('useChangeReason', true)
      ? undefined
      : (event as unknown as { detailedReason?: { source: string; metadata?: Record<string, unknown> } })
      .detailedReason;
    return this.capture.onChange(
      {
        uri: this.uriKey(doc.uri),
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

  private async sendAccept(params: DidAcceptAiParams): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.sent.push(params);
    if (this.sent.length > 50) this.sent.shift();
    const where = params.ranges
      .map((r) => `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1}`)
      .join(', ');
    this.log(`AI edit (${params.source.kind ?? '?'}, ${params.source.tool}) v${params.textDocument.version} ${where}`);
    try {
      await client.sendNotification(DidAcceptAiNotification, params);
    } catch (e) {
      this.log(`could not send ${DID_ACCEPT_AI}: ${String(e)}`);
    }
  }

  // ---- server -------------------------------------------------------------------------------

  async start(): Promise<void> {
    const resolved = resolveServerPath({
      configured: config().get<string>('path', ''),
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
      this.log(`${what}. Looked at: ${resolved.tried.join(', ')}`);
      this.status.hide();
      void this.offerInstall(`Vouch: ${what}. AI-written code is not being tracked.`);
      return;
    }
    this.log(`starting ${resolved.path} lsp (found via ${resolved.via})`);
    const serverOptions: ServerOptions = { command: resolved.path, args: ['lsp'], options: { env: process.env } };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
      outputChannel: this.output,
      initializationOptions: serverSettings(),
      diagnosticCollectionName: 'vouch',
      middleware: {
        sendNotification: (type, next, params) => {
          this.onWire?.(typeof type === 'string' ? type : type.method, params);
          return next(type, params);
        },
        didOpen: (doc, next) => {
          this.capture.open(this.uriKey(doc.uri), doc.getText());
          return next(doc);
        },
        didChange: async (event, next) => {
          // Synchronously, while the event is current: update the shadow, decide AI or not.
          const params = this.onDidChange(event);
          // didChange goes out first; the AI notice strictly after it.
          await next(event);
          if (params) await this.sendAccept(params);
          this.scheduleRefresh(this.uriKey(event.document.uri), 300);
        },
        didClose: (doc, next) => {
          const key = this.uriKey(doc.uri);
          this.capture.close(key);
          this.regions.delete(key);
          return next(doc);
        },
      },
    };
    const client = new LanguageClient('vouch', 'Vouch', serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((e) => {
      this.log(`language server ${e.newState === State.Running ? 'running' : e.newState === State.Stopped ? 'stopped' : 'starting'}`);
      this.updateStatus();
    });
    try {
      await client.start();
    } catch (e) {
      this.log(`the language server failed to start: ${String(e)}`);
      void vscode.window
        .showErrorMessage(`Vouch: the language server (${resolved.path} lsp) failed to start.`, 'Show Output')
        .then((choice) => choice && this.output.show());
      return;
    }
    this.updateStatus();
    this.status.show();
    for (const editor of vscode.window.visibleTextEditors) this.scheduleRefresh(this.uriKey(editor.document.uri), 0);
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client && client.state !== State.Stopped) {
      try {
        await client.stop(2000);
      } catch (e) {
        this.log(`stopping the server: ${String(e)}`);
      }
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    this.regions.clear();
    await this.start();
  }

  private async offerInstall(message: string): Promise<void> {
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
      this.output.show();
    }
  }

  private async executeServerCommand(command: string, arg: Record<string, unknown>): Promise<boolean> {
    const client = this.client;
    if (!client || client.state !== State.Running) {
      void vscode.window.showWarningMessage('Vouch: the language server is not running.');
      return false;
    }
    try {
      await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [arg] });
      return true;
    } catch (e) {
      this.log(`${command} failed: ${String(e)}`);
      void vscode.window.showErrorMessage(`Vouch: ${command} failed: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }

  async fetchRegions(uri: vscode.Uri): Promise<RegionsResult | undefined> {
    const client = this.client;
    if (!client || client.state !== State.Running) return undefined;
    const key = this.uriKey(uri);
    try {
      const result = await client.sendRequest(RegionsRequest, { textDocument: { uri: key } });
      if (result && Array.isArray(result.regions)) {
        this.regions.set(key, result);
        return result;
      }
    } catch (e) {
      this.log(`${REGIONS} for ${key}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return undefined;
  }

  // ---- display ------------------------------------------------------------------------------

  private makeDecorationTypes(): void {
    this.decorationTypes?.unreviewed.dispose();
    this.decorationTypes?.reviewed.dispose();
    const mode = config().get<string>('decorations', 'background');
    const background = mode === 'background' || mode === 'both';
    const gutter = mode === 'gutter' || mode === 'both';
    const icon = (name: string) => vscode.Uri.joinPath(this.context.extensionUri, 'media', name);
    this.decorationTypes = {
      unreviewed: vscode.window.createTextEditorDecorationType({
        backgroundColor: background ? new vscode.ThemeColor('vouch.aiBackground') : undefined,
        gutterIconPath: gutter ? icon('ai-unreviewed.svg') : undefined,
        gutterIconSize: 'contain',
        overviewRulerColor: mode === 'off' ? undefined : new vscode.ThemeColor('vouch.aiBackground'),
        overviewRulerLane: vscode.OverviewRulerLane.Left,
      }),
      reviewed: vscode.window.createTextEditorDecorationType({
        backgroundColor: background ? new vscode.ThemeColor('vouch.reviewedAiBackground') : undefined,
        gutterIconPath: gutter ? icon('ai-reviewed.svg') : undefined,
        gutterIconSize: 'contain',
      }),
    };
  }

  private decorate(editor: vscode.TextEditor, result: RegionsResult | undefined): void {
    if (!this.decorationTypes) this.makeDecorationTypes();
    const types = this.decorationTypes;
    if (!types) return;
    const off = config().get<string>('decorations', 'background') === 'off';
    const regions = off || !result ? [] : result.regions;
    editor.setDecorations(
      types.unreviewed,
      regions.filter((r) => !r.reviewed).map((r) => fromLsp(r.range)),
    );
    editor.setDecorations(
      types.reviewed,
      regions.filter((r) => r.reviewed).map((r) => fromLsp(r.range)),
    );
  }

  /** Re-reads the regions of `uri` (after `delay` ms, coalescing bursts) and redraws. */
  scheduleRefresh(uri: string, delay: number): void {
    this.refreshUris.add(uri);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      const uris = [...this.refreshUris];
      this.refreshUris.clear();
      void this.refresh(uris);
    }, delay);
  }

  private async refresh(uris: string[]): Promise<void> {
    for (const key of uris) {
      const editors = vscode.window.visibleTextEditors.filter((e) => this.uriKey(e.document.uri) === key);
      if (editors.length === 0) continue;
      const result = await this.fetchRegions(editors[0].document.uri);
      for (const editor of editors) this.decorate(editor, result);
      for (const l of this.listeners) l(key);
    }
    this.updateStatus();
  }

  onRefresh(listener: (uri: string) => void): void {
    this.listeners.push(listener);
  }

  /** Unreviewed-AI diagnostics of every open document. */
  unreviewedDiagnostics(): [vscode.Uri, vscode.Diagnostic][] {
    const out: [vscode.Uri, vscode.Diagnostic][] = [];
    for (const [uri, diags] of vscode.languages.getDiagnostics()) {
      for (const d of diags) if (isVouchDiagnostic(d)) out.push([uri, d]);
    }
    return out;
  }

  updateStatus(): void {
    if (!this.client || this.client.state !== State.Running) {
      this.status.hide();
      return;
    }
    const n = this.unreviewedDiagnostics().length;
    this.status.text = statusText(n);
    this.status.tooltip =
      n === 0 ? 'Vouch: no unreviewed AI-written code in open files' : 'Vouch: show unreviewed AI-written code';
    this.status.show();
  }

  // ---- commands -----------------------------------------------------------------------------

  private editorOrWarn(): vscode.TextEditor | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor) void vscode.window.showInformationMessage('Vouch: open a file first.');
    return editor;
  }

  /** The selection when it is not empty, else the AI region under the cursor. */
  private async targetRange(editor: vscode.TextEditor): Promise<vscode.Range | undefined> {
    if (!editor.selection.isEmpty) return editor.selection;
    const result = await this.fetchRegions(editor.document.uri);
    const region = result && regionAt(result.regions, editor.selection.active);
    return region ? fromLsp(region.range) : undefined;
  }

  async reviewRegion(): Promise<void> {
    const editor = this.editorOrWarn();
    if (!editor) return;
    const range = await this.targetRange(editor);
    if (!range) {
      void vscode.window.showInformationMessage('Vouch: no AI-written code at the cursor.');
      return;
    }
    if (await this.executeServerCommand(CMD_REVIEW, { uri: this.uriKey(editor.document.uri), range: toLsp(range) })) {
      this.scheduleRefresh(this.uriKey(editor.document.uri), 50);
    }
  }

  async reviewFile(): Promise<void> {
    const editor = this.editorOrWarn();
    if (!editor) return;
    if (await this.executeServerCommand(CMD_REVIEW, { uri: this.uriKey(editor.document.uri) })) {
      this.scheduleRefresh(this.uriKey(editor.document.uri), 50);
    }
  }

  /** Sign-off: asks for the range under review (e.g. origin/main..HEAD) and stores it in the workspace settings. */
  async setReviewRange(): Promise<void> {
    const current = config().get<string>('reviewRange', '');
    const answer = await vscode.window.showInputBox({
      title: 'Vouch: review range',
      prompt: 'The commits under review, e.g. origin/main..HEAD (empty: none)',
      value: current || 'origin/main..HEAD',
    });
    if (answer === undefined) return;
    await config().update('reviewRange', answer.trim(), vscode.ConfigurationTarget.Workspace);
  }

  /** Sign-off: a signed approval of the review range's unapproved AI lines in this file (`vouch.approveRange`). */
  async approveReviewRange(): Promise<void> {
    const editor = this.editorOrWarn();
    if (!editor) return;
    if (!config().get<string>('reviewRange', '').trim()) {
      await this.setReviewRange();
      if (!config().get<string>('reviewRange', '').trim()) return;
    }
    if (await this.executeServerCommand(CMD_APPROVE_RANGE, { uri: this.uriKey(editor.document.uri) })) {
      void vscode.window.showInformationMessage('Vouch: approval signed and recorded; share it with git push.');
    }
  }

  async forgetRegion(): Promise<void> {
    const editor = this.editorOrWarn();
    if (!editor) return;
    const range = await this.targetRange(editor);
    if (!range) {
      void vscode.window.showInformationMessage('Vouch: no AI-written code at the cursor; select the text to forget.');
      return;
    }
    if (await this.executeServerCommand(CMD_FORGET, { uri: this.uriKey(editor.document.uri), range: toLsp(range) })) {
      this.scheduleRefresh(this.uriKey(editor.document.uri), 50);
    }
  }

  async markSelectionAi(args?: { tool?: string; model?: string }): Promise<void> {
    const editor = this.editorOrWarn();
    if (!editor) return;
    if (editor.selection.isEmpty) {
      void vscode.window.showInformationMessage('Vouch: select the AI-written text first.');
      return;
    }
    let tool = args?.tool;
    let model = args?.model;
    if (!tool) {
      const last = this.context.globalState.get<string>('vouch.lastTool', 'chat');
      const answer = await vscode.window.showInputBox({
        title: 'Vouch: Mark Selection as AI-Written',
        prompt: 'Which AI wrote it? A tool name, optionally followed by /model (for example "chatgpt/gpt-4.1")',
        value: last,
      });
      if (answer === undefined || answer.trim() === '') return;
      await this.context.globalState.update('vouch.lastTool', answer.trim());
      const slash = answer.indexOf('/');
      tool = (slash >= 0 ? answer.slice(0, slash) : answer).trim();
      model = slash >= 0 ? answer.slice(slash + 1).trim() || undefined : undefined;
    }
    const arg: Record<string, unknown> = { uri: this.uriKey(editor.document.uri), range: toLsp(editor.selection), tool };
    if (model) arg.model = model;
    if (await this.executeServerCommand(CMD_MARK_AI, arg)) this.scheduleRefresh(this.uriKey(editor.document.uri), 50);
  }

  private reveal(editor: vscode.TextEditor, range: vscode.Range): void {
    editor.selection = new vscode.Selection(range.start, range.start);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  async nextUnreviewed(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (editor) {
      const result = await this.fetchRegions(editor.document.uri);
      const next = result && nextUnreviewed(result.regions, editor.selection.active);
      if (next) {
        this.reveal(editor, fromLsp(next.range));
        return;
      }
    }
    const other = this.unreviewedDiagnostics().find(([uri]) => !editor || uri.toString() !== editor.document.uri.toString());
    if (!other) {
      void vscode.window.showInformationMessage('Vouch: no unreviewed AI-written code in open files.');
      return;
    }
    const target = await vscode.window.showTextDocument(other[0]);
    this.reveal(target, other[1].range);
  }

  async showUnreviewed(): Promise<void> {
    type Item = vscode.QuickPickItem & { uri: vscode.Uri; range: vscode.Range };
    const items: Item[] = this.unreviewedDiagnostics().map(([uri, d]) => ({
      label: `${vscode.workspace.asRelativePath(uri)}:${d.range.start.line + 1}`,
      description: d.message,
      uri,
      range: d.range,
    }));
    if (items.length === 0) {
      void vscode.window.showInformationMessage('Vouch: no unreviewed AI-written code in open files.');
      return;
    }
    const pick = await vscode.window.showQuickPick(items, {
      title: `Vouch: ${items.length} unreviewed AI ${items.length === 1 ? 'region' : 'regions'}`,
      matchOnDescription: true,
    });
    if (!pick) return;
    const editor = await vscode.window.showTextDocument(pick.uri);
    this.reveal(editor, pick.range);
  }

  register(): void {
    const c = this.context.subscriptions;
    const reg = (id: string, fn: (...args: never[]) => unknown) => c.push(vscode.commands.registerCommand(id, fn));
    reg('vouch.acceptInlineSuggestion', () => this.acceptInline('editor.action.inlineSuggest.commit'));
    reg('vouch.acceptNextWord', () => this.acceptInline('editor.action.inlineSuggest.acceptNextWord'));
    reg('vouch.acceptNextLine', () => this.acceptInline('editor.action.inlineSuggest.acceptNextLine'));
    reg('vouch.markSelectionAi', (args?: { tool?: string; model?: string }) => this.markSelectionAi(args));
    reg('vouch.reviewRegion', () => this.reviewRegion());
    reg('vouch.reviewFile', () => this.reviewFile());
    reg('vouch.forgetRegion', () => this.forgetRegion());
    reg('vouch.setReviewRange', () => this.setReviewRange());
    reg('vouch.approveReviewRange', () => this.approveReviewRange());
    reg('vouch.nextUnreviewed', () => this.nextUnreviewed());
    reg('vouch.showUnreviewed', () => this.showUnreviewed());
    reg('vouch.showOutput', () => this.output.show());
    reg('vouch.restartServer', () => this.restart());

    c.push(
      vscode.languages.onDidChangeDiagnostics((e) => {
        this.updateStatus();
        const visible = new Set(vscode.window.visibleTextEditors.map((ed) => ed.document.uri.toString()));
        for (const uri of e.uris) if (visible.has(uri.toString())) this.scheduleRefresh(this.uriKey(uri), 30);
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        for (const ed of editors) {
          const cached = this.regions.get(this.uriKey(ed.document.uri));
          if (cached) this.decorate(ed, cached);
          this.scheduleRefresh(this.uriKey(ed.document.uri), 50);
        }
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('vouch.path')) void this.restart();
        else if (
          e.affectsConfiguration('vouch.severity') ||
          e.affectsConfiguration('vouch.reviewer') ||
          e.affectsConfiguration('vouch.reviewRange')
        ) {
          void this.client
            ?.sendNotification('workspace/didChangeConfiguration', { settings: { vouch: serverSettings() } })
            .catch((err) => this.log(`didChangeConfiguration: ${String(err)}`));
        }
        if (e.affectsConfiguration('vouch.decorations')) {
          this.makeDecorationTypes();
          for (const ed of vscode.window.visibleTextEditors) this.decorate(ed, this.regions.get(this.uriKey(ed.document.uri)));
        }
      }),
      { dispose: () => this.decorationTypes?.unreviewed.dispose() },
      { dispose: () => this.decorationTypes?.reviewed.dispose() },
    );
  }

  /** Quick access for other extensions and tests. */
  api() {
    return {
      regions: async (uri: vscode.Uri) => (await this.fetchRegions(uri))?.regions ?? [],
      sent: () => [...this.sent],
      unreviewedCount: () => unreviewed([...this.regions.values()].flatMap((r) => r.regions)).length,
      describe: describeRegion,
    };
  }
}

let extension: VouchExtension | undefined;

export async function activate(context: vscode.ExtensionContext) {
  extension = new VouchExtension(context);
  extension.register();
  extension.e2e = startE2E(extension, context);
  await extension.start();
  return extension.api();
}

export async function deactivate(): Promise<void> {
  await extension?.stop();
  extension = undefined;
}
