// Vouch for VS Code: runs `vouch lsp`, reports AI-written text to it (`vouch/didAcceptAi`), and
// shows what it knows. Protocol: docs/protocol.md. This file only wires the modules together:
// ctx (shared state), config (settings), client (the language client), decorations (what is
// shown), commands; the pure logic (capture, ranges, regions, ...) is unit-tested in test/.
import * as vscode from 'vscode';
import { fetchRegions, restart, sendSettings, start, stop } from './client';
import { registerCommands } from './commands';
import { configChange } from './config';
import { Ctx, type Hooks } from './ctx';
import { View } from './decorations';
import { describeRegion, unreviewed } from './regions';

/** What `activate` returns to other extensions. */
export function api(ctx: Ctx) {
  return {
    regions: async (uri: vscode.Uri) => (await fetchRegions(ctx, uri))?.regions ?? [],
    sent: () => [...ctx.sent],
    unreviewedCount: () => unreviewed([...ctx.regions.values()].flatMap((r) => r.regions)).length,
    describe: describeRegion,
  };
}

/** Sets everything up and starts the server (`hooks`: the e2e test build's observers). */
export async function launch(context: vscode.ExtensionContext, hooks: Hooks = {}): Promise<{ ctx: Ctx; view: View }> {
  const ctx = new Ctx(context, hooks);
  const view = new View(ctx);
  view.register();
  registerCommands(ctx, view);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      const change = configChange(e);
      if (change.restart) void restart(ctx, view);
      else if (change.server) sendSettings(ctx);
      if (change.decorations) view.restyle();
    }),
  );
  current = ctx;
  await start(ctx, view);
  return { ctx, view };
}

let current: Ctx | undefined;

export async function activate(context: vscode.ExtensionContext) {
  const { ctx } = await launch(context);
  return api(ctx);
}

export async function deactivate(): Promise<void> {
  const ctx = current;
  current = undefined;
  if (ctx) await stop(ctx);
}
