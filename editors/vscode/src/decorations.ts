// What the extension shows: AI text decorated from `vouch/regions` (re-read after changes,
// coalescing bursts), and the status bar item counting the unreviewed-AI diagnostics.
import * as vscode from 'vscode';
import { fetchRegions, fromLsp } from './client';
import { config } from './config';
import type { Ctx } from './ctx';
import type { RegionsResult } from './protocol';
import { statusText } from './regions';

const DIAGNOSTIC_CODE = 'unreviewed-ai';

function isVouchDiagnostic(d: vscode.Diagnostic): boolean {
  const code = typeof d.code === 'object' && d.code !== null ? d.code.value : d.code;
  return d.source === 'vouch' && code === DIAGNOSTIC_CODE;
}

/** Unreviewed-AI diagnostics of every open document. */
export function unreviewedDiagnostics(): [vscode.Uri, vscode.Diagnostic][] {
  const out: [vscode.Uri, vscode.Diagnostic][] = [];
  for (const [uri, diags] of vscode.languages.getDiagnostics()) {
    for (const d of diags) if (isVouchDiagnostic(d)) out.push([uri, d]);
  }
  return out;
}

export class View {
  readonly status: vscode.StatusBarItem;
  private types: { unreviewed: vscode.TextEditorDecorationType; reviewed: vscode.TextEditorDecorationType } | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly refreshUris = new Set<string>();
  private readonly listeners: ((uri: string) => void)[] = [];

  constructor(private readonly ctx: Ctx) {
    this.status = vscode.window.createStatusBarItem('vouch.status', vscode.StatusBarAlignment.Right, 100);
    this.status.name = 'Vouch';
    this.status.command = 'vouch.showUnreviewed';
    ctx.context.subscriptions.push(
      this.status,
      { dispose: () => this.types?.unreviewed.dispose() },
      { dispose: () => this.types?.reviewed.dispose() },
    );
  }

  /** New decoration types for the `vouch.decorations` setting, and every visible editor redrawn. */
  restyle(): void {
    this.types?.unreviewed.dispose();
    this.types?.reviewed.dispose();
    const mode = config.decorations();
    const background = mode === 'background' || mode === 'both';
    const gutter = mode === 'gutter' || mode === 'both';
    const icon = (name: string) => vscode.Uri.joinPath(this.ctx.context.extensionUri, 'media', name);
    this.types = {
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
    for (const ed of vscode.window.visibleTextEditors) this.decorate(ed, this.ctx.regions.get(this.ctx.uriKey(ed.document.uri)));
  }

  decorate(editor: vscode.TextEditor, result: RegionsResult | undefined): void {
    if (!this.types) this.restyle();
    const types = this.types;
    if (!types) return;
    const regions = config.decorations() === 'off' || !result ? [] : result.regions;
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
      const editors = vscode.window.visibleTextEditors.filter((e) => this.ctx.uriKey(e.document.uri) === key);
      if (editors.length === 0) continue;
      const result = await fetchRegions(this.ctx, editors[0].document.uri);
      for (const editor of editors) this.decorate(editor, result);
      for (const l of this.listeners) l(key);
    }
    this.updateStatus();
  }

  /** `listener(uri)` after each redraw of a document. */
  onRefresh(listener: (uri: string) => void): void {
    this.listeners.push(listener);
  }

  /** `AI: n unreviewed` while the server runs, hidden otherwise. */
  updateStatus(): void {
    if (!this.ctx.running()) {
      this.status.hide();
      return;
    }
    const n = unreviewedDiagnostics().length;
    this.status.text = statusText(n);
    this.status.tooltip =
      n === 0 ? 'Vouch: no unreviewed AI-written code in open files' : 'Vouch: show unreviewed AI-written code';
    this.status.show();
  }

  /** Keeps the decorations and the status in step with diagnostics and visible editors. */
  register(): void {
    this.ctx.context.subscriptions.push(
      vscode.languages.onDidChangeDiagnostics((e) => {
        this.updateStatus();
        const visible = new Set(vscode.window.visibleTextEditors.map((ed) => ed.document.uri.toString()));
        for (const uri of e.uris) if (visible.has(uri.toString())) this.scheduleRefresh(this.ctx.uriKey(uri), 30);
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        for (const ed of editors) {
          const cached = this.ctx.regions.get(this.ctx.uriKey(ed.document.uri));
          if (cached) this.decorate(ed, cached);
          this.scheduleRefresh(this.ctx.uriKey(ed.document.uri), 50);
        }
      }),
    );
  }
}
