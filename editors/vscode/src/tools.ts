// Known AI extensions and the tool names vouch records for them. Pure: no `vscode` import.

const KNOWN: Record<string, string> = {
  'github.copilot': 'copilot',
  'github.copilot-chat': 'copilot',
  'codeium.codeium': 'codeium',
  'codeium.windsurfpyright': 'codeium',
  'supermaven.supermaven': 'supermaven',
  'tabnine.tabnine-vscode': 'tabnine',
  'continue.continue': 'continue',
  'sourcegraph.cody-ai': 'cody',
  'amazonwebservices.amazon-q-vscode': 'amazon-q',
  'amazonwebservices.aws-toolkit-vscode': 'amazon-q',
  'google.geminicodeassist': 'gemini',
  'anthropic.claude-code': 'claude-code',
  'openai.chatgpt': 'codex',
  'saoudrizwan.claude-dev': 'cline',
  'rooveterinaryinc.roo-cline': 'roo-code',
  'blackboxapp.blackbox': 'blackbox',
  'visualstudioexptteam.vscodeintellicode': 'intellicode',
};

/** Extension ids (lower case) of the known AI extensions. */
export const KNOWN_AI_EXTENSIONS: readonly string[] = Object.keys(KNOWN);

/** Tool name for an extension id: the known name, else the part after the publisher. */
export function toolForExtension(extensionId: string): string {
  const id = extensionId.toLowerCase();
  const known = KNOWN[id];
  if (known) return known;
  const dot = id.indexOf('.');
  return dot >= 0 && dot < id.length - 1 ? id.slice(dot + 1) : id;
}

/** The tool to credit for an inline completion, given the ids of the active extensions. */
export function inlineTool(activeExtensionIds: readonly string[]): string | undefined {
  for (const id of activeExtensionIds) {
    const known = KNOWN[id.toLowerCase()];
    if (known) return known;
  }
  return undefined;
}
