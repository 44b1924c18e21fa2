/**
 * Where the real-VS Code test tooling lives. code-server packages VS Code's own server, web
 * workbench and Node extension host; it is installed from the npm registry alone, once per
 * machine, into a cache outside the checkout so that every worktree shares it.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The npm package version; it bundles VS Code 1.96.4 and declares Node 20. */
export const CODE_SERVER_VERSION = '4.96.4';
/** The VS Code release inside that code-server, for messages and for `@vscode/test-electron`. */
export const VSCODE_VERSION = '1.96.4';

/** Debian packages the set-up needs: rg replaces @vscode/ripgrep's GitHub download, libkrb5-dev
 * is for the `kerberos` addon, python3/make/g++ for node-gyp, chromium is the browser the tests
 * drive, and a font so that screenshots show text. */
export const DEBIAN_PACKAGES = ['ripgrep', 'libkrb5-dev', 'python3', 'make', 'g++', 'chromium', 'fonts-dejavu-core'] as const;

/** `$CNN_LAB_CACHE` or `~/.cache/cnn-lab`. */
export function cacheRoot(): string {
  const fromEnv = process.env.CNN_LAB_CACHE;
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : join(homedir(), '.cache', 'cnn-lab');
}

/** The install prefix: `<cache>/code-server`, holding `node_modules/code-server`. */
export function codeServerHome(): string {
  return join(cacheRoot(), 'code-server');
}

/** code-server's Node entry point inside an install prefix. */
export function codeServerEntry(home = codeServerHome()): string {
  return join(home, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/** Written last by the set-up; its presence (with matching fields) means the install is complete. */
export function installMarker(home = codeServerHome()): string {
  return join(home, 'cnn-lab-install.json');
}

/** The browser Playwright drives: Debian's chromium unless `$CHROMIUM` names another. */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : '/usr/bin/chromium';
}

/** What an install must match to be reused: native addons are built for one Node ABI. */
export interface InstallMarker {
  readonly codeServer: string;
  readonly nodeAbi: string;
  readonly platform: string;
  readonly installedAt: string;
  readonly seconds: number;
}

export function expectedMarker(): Pick<InstallMarker, 'codeServer' | 'nodeAbi' | 'platform'> {
  return { codeServer: CODE_SERVER_VERSION, nodeAbi: process.versions.modules, platform: `${process.platform}-${process.arch}` };
}
