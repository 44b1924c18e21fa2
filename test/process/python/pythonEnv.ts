/**
 * The Python environment the interoperability tests check CNN Lab's files with (TensorBoard's
 * event reader, Keras's model loader): the benchmark's venv (`$CNN_LAB_BENCH_VENV`, else
 * `<cache>/bench-venv`), created and filled with pip on first use, so one environment serves the
 * benchmark and the tests. A test whose packages cannot be had is skipped with the reason, except
 * under CI=true, where it fails: CI must run them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface PythonPackage {
  /** What `import` must find. */
  readonly module: string;
  /** What pip installs when it is missing. */
  readonly pip: string;
}

export type PythonEnv = { readonly ok: true; readonly python: string; readonly versions: Readonly<Record<string, string>> } | { readonly ok: false; readonly why: string };

function venvDir(): string {
  if (process.env.CNN_LAB_BENCH_VENV) return path.resolve(process.env.CNN_LAB_BENCH_VENV);
  const cache = process.env.CNN_LAB_CACHE ? path.resolve(process.env.CNN_LAB_CACHE)
    : path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cnn-lab');
  return path.join(cache, 'bench-venv');
}

function version(python: string, module: string): string | null {
  const r = spawnSync(python, ['-c', `import ${module}; print(getattr(${module}, "__version__", "?"))`], {
    encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, timeout: 120_000,
  });
  return r.status === 0 ? r.stdout.trim().split('\n').pop() ?? '?' : null;
}

const cache = new Map<string, PythonEnv>();

/** A Python with `packages` importable, installing what is missing; or why there is none. */
export function pythonWith(packages: readonly PythonPackage[]): PythonEnv {
  const key = packages.map((p) => p.pip).join(' ');
  const known = cache.get(key);
  if (known) return known;
  const dir = venvDir();
  const python = path.join(dir, 'bin', 'python');
  const result = ((): PythonEnv => {
    if (!existsSync(python)) {
      const r = spawnSync('python3', ['-m', 'venv', dir], { encoding: 'utf8' });
      if (r.status !== 0) return { ok: false, why: `python3 -m venv ${dir} failed: ${r.stderr.trim().split('\n').pop() ?? ''}` };
    }
    const versions: Record<string, string> = {};
    for (const p of packages) {
      let v = version(python, p.module);
      if (v === null) {
        const r = spawnSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', p.pip], { encoding: 'utf8', timeout: 30 * 60_000 });
        if (r.status !== 0) return { ok: false, why: `pip install ${p.pip} failed: ${r.stderr.trim().split('\n').filter((l) => !l.startsWith('WARNING')).pop() ?? ''}` };
        v = version(python, p.module);
        if (v === null) return { ok: false, why: `${p.module} does not import after pip install ${p.pip}` };
      }
      versions[p.module] = v;
    }
    return { ok: true, python, versions };
  })();
  cache.set(key, result);
  return result;
}

/** For a mocha `before`: the environment, or skip (fail under CI) with the reason. */
export function requirePython(ctx: Mocha.Context, packages: readonly PythonPackage[]): string {
  const env = pythonWith(packages);
  if (env.ok) return env.python;
  if (process.env.CI === 'true') throw new Error(`CI must run this test, but: ${env.why}`);
  console.log(`      skipped: ${env.why}`);
  ctx.skip();
}
