// The extension's commands (package.json `contributes.commands`): accepting inline suggestions
// through vouch, reviewing, forgetting and marking AI text, sign-off, and moving between
// unreviewed regions. The server's own commands (`vouch.review`, ...) are reached through
// `workspace/executeCommand`, never registered here.
import * as vscode from 'vscode';
import { executeServerCommand, fetchRegions, fromLsp, restart, toLsp } from './client';
import { config } from './config';
import type { Ctx } from './ctx';
import { unreviewedDiagnostics, type View } from './decorations';
import { CMD_APPROVE_RANGE, CMD_FORGET, CMD_MARK_AI, CMD_REVIEW } from './protocol';
import { nextUnreviewed, regionAt } from './regions';

const NO_UNREVIEWED = 'Vouch: no unreviewed AI-written code in open files.';

function editorOrWarn(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) void vscode.window.showInformationMessage('Vouch: open a file first.');
  return editor;
}

function reveal(editor: vscode.TextEditor, range: vscode.Range): void {
  editor.selection = new vscode.Selection(range.start, range.start);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

class Commands {
  constructor(
    private readonly ctx: Ctx,
    private readonly view: View,
  ) {}

  /** Tab / Ctrl+Right wrappers: remember the pending accept, then run the built-in command. */
  async acceptInline(builtin: string): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const source = { tool: this.ctx.inlineTool(), kind: 'inline-completion' as const };
    const id = editor ? this.ctx.tracker.begin(this.ctx.uriKey(editor.document.uri), source, Date.now()) : undefined;
    try {
      await vscode.commands.executeCommand(builtin);
    } finally {
      if (id !== undefined) this.ctx.tracker.end(id, Date.now());
    }
  }

  /** Runs a server command on a document and redraws it when the command ran. */
  private async run(editor: vscode.TextEditor, command: string, arg: Record<string, unknown>): Promise<boolean> {
    const uri = this.ctx.uriKey(editor.document.uri);
    const ran = await executeServerCommand(this.ctx, command, { uri, ...arg });
    if (ran) this.view.scheduleRefresh(uri, 50);
    return ran;
  }

  /** `command` on the selection when it is not empty, else on the AI region under the cursor. */
  async onTarget(command: string, nothingThere: string): Promise<void> {
    const editor = editorOrWarn();
    if (!editor) return;
    let range: vscode.Range | undefined = editor.selection;
    if (editor.selection.isEmpty) {
      const result = await fetchRegions(this.ctx, editor.document.uri);
      const region = result && regionAt(result.regions, editor.selection.active);
      range = region && fromLsp(region.range);
    }
    if (!range) {
      void vscode.window.showInformationMessage(nothingThere);
      return;
    }
    await this.run(editor, command, { range: toLsp(range) });
  }

  async reviewFile(): Promise<void> {
    const editor = editorOrWarn();
    if (editor) await this.run(editor, CMD_REVIEW, {});
  }

  /** Sign-off: asks for the range under review (e.g. origin/main..HEAD) and stores it in the workspace settings. */
  async setReviewRange(): Promise<void> {
    const answer = await vscode.window.showInputBox({
      title: 'Vouch: review range',
      prompt: 'The commits under review, e.g. origin/main..HEAD (empty: none)',
      value: config.reviewRange() || 'origin/main..HEAD',
    });
    if (answer !== undefined) await config.setReviewRange(answer);
  }

  /** Sign-off: a signed approval of the review range's unapproved AI lines in this file (`vouch.approveRange`). */
  async approveReviewRange(): Promise<void> {
    const editor = editorOrWarn();
    if (!editor) return;
    if (!config.reviewRange()) {
      await this.setReviewRange();
      if (!config.reviewRange()) return;
    }
    if (await this.run(editor, CMD_APPROVE_RANGE, {})) {
      void vscode.window.showInformationMessage('Vouch: approval signed and recorded; share it with git push.');
    }
  }

  async markSelectionAi(args?: { tool?: string; model?: string }): Promise<void> {
    const editor = editorOrWarn();
    if (!editor) return;
    if (editor.selection.isEmpty) {
      void vscode.window.showInformationMessage('Vouch: select the AI-written text first.');
      return;
    }
    let tool = args?.tool;
    let model = args?.model;
    if (!tool) {
      const state = this.ctx.context.globalState;
      const answer = await vscode.window.showInputBox({
        title: 'Vouch: Mark Selection as AI-Written',
        prompt: 'Which AI wrote it? A tool name, optionally followed by /model (for example "chatgpt/gpt-4.1")',
        value: state.get<string>('vouch.lastTool', 'chat'),
      });
      if (answer === undefined || answer.trim() === '') return;
      await state.update('vouch.lastTool', answer.trim());
      const slash = answer.indexOf('/');
      tool = (slash >= 0 ? answer.slice(0, slash) : answer).trim();
      model = slash >= 0 ? answer.slice(slash + 1).trim() || undefined : undefined;
    }
    await this.run(editor, CMD_MARK_AI, { range: toLsp(editor.selection), tool, ...(model ? { model } : {}) });
  }

  async nextUnreviewed(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (editor) {
      const result = await fetchRegions(this.ctx, editor.document.uri);
      const next = result && nextUnreviewed(result.regions, editor.selection.active);
      if (next) {
        reveal(editor, fromLsp(next.range));
        return;
      }
    }
    const other = unreviewedDiagnostics().find(([uri]) => !editor || uri.toString() !== editor.document.uri.toString());
    if (!other) {
      void vscode.window.showInformationMessage(NO_UNREVIEWED);
      return;
    }
    reveal(await vscode.window.showTextDocument(other[0]), other[1].range);
  }

  async showUnreviewed(): Promise<void> {
    type Item = vscode.QuickPickItem & { uri: vscode.Uri; range: vscode.Range };
    const items: Item[] = unreviewedDiagnostics().map(([uri, d]) => ({
      label: `${vscode.workspace.asRelativePath(uri)}:${d.range.start.line + 1}`,
      description: d.message,
      uri,
      range: d.range,
    }));
    if (items.length === 0) {
      void vscode.window.showInformationMessage(NO_UNREVIEWED);
      return;
    }
    const pick = await vscode.window.showQuickPick(items, {
      title: `Vouch: ${items.length} unreviewed AI ${items.length === 1 ? 'region' : 'regions'}`,
      matchOnDescription: true,
    });
    if (pick) reveal(await vscode.window.showTextDocument(pick.uri), pick.range);
  }
}

/** Registers every command of package.json. */
export function registerCommands(ctx: Ctx, view: View): void {
  const c = new Commands(ctx, view);
  const reg = (id: string, fn: (...args: never[]) => unknown) =>
    ctx.context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  reg('vouch.acceptInlineSuggestion', () => c.acceptInline('editor.action.inlineSuggest.commit'));
  reg('vouch.acceptNextWord', () => c.acceptInline('editor.action.inlineSuggest.acceptNextWord'));
  reg('vouch.acceptNextLine', () => c.acceptInline('editor.action.inlineSuggest.acceptNextLine'));
  reg('vouch.markSelectionAi', (args?: { tool?: string; model?: string }) => c.markSelectionAi(args));
  reg('vouch.reviewRegion', () => c.onTarget(CMD_REVIEW, 'Vouch: no AI-written code at the cursor.'));
  reg('vouch.reviewFile', () => c.reviewFile());
  reg('vouch.forgetRegion', () =>
    c.onTarget(CMD_FORGET, 'Vouch: no AI-written code at the cursor; select the text to forget.'),
  );
  reg('vouch.setReviewRange', () => c.setReviewRange());
  reg('vouch.approveReviewRange', () => c.approveReviewRange());
  reg('vouch.nextUnreviewed', () => c.nextUnreviewed());
  reg('vouch.showUnreviewed', () => c.showUnreviewed());
  reg('vouch.showOutput', () => ctx.output.show());
  reg('vouch.restartServer', () => restart(ctx, view));
}
