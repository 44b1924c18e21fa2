/**
 * What both real-editor runners (integration and end-to-end) do before VS Code starts: build the
 * extension, bundle the in-host test suite, and copy the fixture workspace to a scratch folder
 * (tests edit model files and train into it; the committed fixtures stay untouched).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const FIXTURE_WORKSPACE = join(REPO_ROOT, 'test', 'fixtures', 'workspace');
/** Where the bundled in-host suite goes (git-ignored). */
export const SUITE_OUT = join(REPO_ROOT, 'out', 'test', 'integration', 'suite');

/** Runs `node esbuild.mjs` and checks that the extension entry point exists. */
export function buildExtension(): void {
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`node esbuild.mjs failed (exit ${String(r.status ?? r.signal)})`);
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { main?: string };
  const main = join(REPO_ROOT, manifest.main ?? 'dist/extension.js');
  if (!existsSync(main)) throw new Error(`the extension entry point ${main} was not built (is src/extension/main.ts there?)`);
}

/** Bundles test/integration/suite (index + every *.test.ts) for the extension host; `vscode` and mocha stay external. */
export async function bundleSuite(): Promise<string> {
  const src = join(REPO_ROOT, 'test', 'integration', 'suite');
  const entries = readdirSync(src).filter((f) => f === 'index.ts' || f.endsWith('.test.ts')).map((f) => join(src, f));
  rmSync(SUITE_OUT, { recursive: true, force: true });
  await build({
    entryPoints: entries,
    outdir: SUITE_OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return SUITE_OUT;
}

export interface PreparedWorkspace {
  readonly folder: string;
  /** Data-set cache used by the trainer in this run. */
  readonly dataDir: string;
}

/**
 * Copies the fixture workspace into `dest` and completes its settings: MNIST "mirrors" on a closed
 * loopback port, so the trainer deterministically takes its offline data (the full MNIST's offline
 * copy) without trying the internet, and a data cache inside the scratch folder.
 */
export function prepareWorkspace(dest: string, extraSettings: Readonly<Record<string, unknown>> = {}): PreparedWorkspace {
  rmSync(dest, { recursive: true, force: true });
  cpSync(FIXTURE_WORKSPACE, dest, { recursive: true });
  const dataDir = join(dest, '..', 'data');
  mkdirSync(dataDir, { recursive: true });
  const settingsFile = join(dest, '.vscode', 'settings.json');
  const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(settingsFile, `${JSON.stringify({
    ...settings,
    'cnnLab.data.mnistMirrors': ['http://127.0.0.1:9/'],
    'cnnLab.data.cacheDir': dataDir,
    ...extraSettings,
  }, null, 2)}\n`);
  return { folder: dest, dataDir };
}
