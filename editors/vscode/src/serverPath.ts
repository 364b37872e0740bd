// Where the `vouch` binary is: the `vouch.path` setting, else PATH, else cargo's bin folder.
// Pure: file-system access is passed in, so it is unit-tested without touching the disk.
import * as path from 'node:path';

export interface ResolveInput {
  /** The `vouch.path` setting ("" when unset); "~/" is expanded. */
  configured: string;
  pathEnv: string | undefined;
  home: string;
  cargoHome: string | undefined;
  platform: string;
  isExecutable: (file: string) => boolean;
}

export type Resolved =
  | { found: true; path: string; via: 'setting' | 'PATH' | 'cargo' }
  | { found: false; tried: string[]; configured: boolean };

export function resolveServerPath(input: ResolveInput): Resolved {
  const exe = input.platform === 'win32' ? 'vouch.exe' : 'vouch';
  const configured = input.configured.trim();
  if (configured) {
    const p = configured === '~' || configured.startsWith('~/') ? path.join(input.home, configured.slice(1)) : configured;
    return input.isExecutable(p) ? { found: true, path: p, via: 'setting' } : { found: false, tried: [p], configured: true };
  }
  const tried: string[] = [];
  const sep = input.platform === 'win32' ? ';' : ':';
  for (const dir of (input.pathEnv ?? '').split(sep)) {
    if (!dir) continue;
    const p = path.join(dir, exe);
    tried.push(p);
    if (input.isExecutable(p)) return { found: true, path: p, via: 'PATH' };
  }
  const cargoBin = path.join(input.cargoHome || path.join(input.home, '.cargo'), 'bin', exe);
  tried.push(cargoBin);
  if (input.isExecutable(cargoBin)) return { found: true, path: cargoBin, via: 'cargo' };
  return { found: false, tried, configured: false };
}
