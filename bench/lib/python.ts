/**
 * The Python peers (Keras on TensorFlow, PyTorch): a virtual environment of the benchmark's own
 * under the CNN Lab cache, installed with pip on first use, and one `bench/peers.py` process per
 * measured run.
 *
 * Versions: tensorflow-cpu 2.21.0 is the wheel CNN Lab's native backend takes libtensorflow from
 * (scripts/provision-native.mjs), so Keras and CNN Lab run the very same kernels; torch 2.13.0 is
 * a CPU build (pip takes the file this machine keeps on disk; elsewhere it comes from PyPI).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, cacheRoot, capture } from './common';

export const PEER_PACKAGES = { tensorflow: 'tensorflow-cpu==2.21.0', torch: 'torch==2.13.0' } as const;
export type PeerName = 'keras' | 'pytorch';

export interface Venv {
  readonly python: string;
  /** Which peers import; for the others, why not (shown in the table). */
  readonly available: Readonly<Record<PeerName, true | string>>;
  readonly versions: Readonly<Record<string, string>>;
}

const PEERS = path.join(ROOT, 'bench', 'peers.py');

async function importable(python: string, module: string): Promise<string | true> {
  const r = await capture(python, ['-c', `import ${module}; print(${module}.__version__)`], { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  return r.code === 0 ? true : (r.stderr.trim().split('\n').pop() ?? `import ${module} failed`);
}

/**
 * The benchmark's venv ($CNN_LAB_BENCH_VENV, default <cache>/bench-venv), created and filled with
 * pip when a package is missing (unless `install` is false). Never fails: a peer that cannot be
 * installed is reported with the reason.
 */
export async function ensureVenv(install: boolean, log: (line: string) => void): Promise<Venv> {
  const dir = process.env.CNN_LAB_BENCH_VENV ? path.resolve(process.env.CNN_LAB_BENCH_VENV) : path.join(cacheRoot(), 'bench-venv');
  const python = path.join(dir, 'bin', 'python');
  const reasons: Record<PeerName, true | string> = { keras: 'not installed', pytorch: 'not installed' };
  if (!fs.existsSync(python)) {
    if (!install) return { python, available: { keras: 'no benchmark venv (run without --no-install)', pytorch: 'no benchmark venv (run without --no-install)' }, versions: {} };
    log(`creating the benchmark's Python environment in ${dir}`);
    const r = await capture('python3', ['-m', 'venv', dir]);
    if (r.code !== 0) {
      const why = `python3 -m venv failed: ${r.stderr.trim().split('\n').pop() ?? ''}`;
      return { python, available: { keras: why, pytorch: why }, versions: {} };
    }
  }
  const modules: Record<PeerName, { module: string; pkg: string }> = {
    keras: { module: 'tensorflow', pkg: PEER_PACKAGES.tensorflow },
    pytorch: { module: 'torch', pkg: PEER_PACKAGES.torch },
  };
  for (const peer of ['keras', 'pytorch'] as const) {
    const { module, pkg } = modules[peer];
    let ok = await importable(python, module);
    if (ok !== true && install) {
      log(`pip install ${pkg} (into ${dir}; several hundred MB on the first run)`);
      const r = await capture(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', pkg], { timeoutMs: 30 * 60_000 });
      ok = r.code === 0 ? await importable(python, module) : `pip install ${pkg} failed: ${r.stderr.trim().split('\n').filter((l) => !l.startsWith('WARNING')).pop() ?? ''}`;
    }
    reasons[peer] = ok;
  }
  const versions: Record<string, string> = {};
  const v = await capture(python, ['-c', [
    'import json, sys', 'out = {"python": sys.version.split()[0]}',
    'try:\n import tensorflow as tf, keras; out["tensorflow"] = tf.__version__; out["keras"] = keras.__version__\nexcept Exception: pass',
    'try:\n import torch; out["torch"] = torch.__version__\nexcept Exception: pass',
    'print(json.dumps(out))',
  ].join('\n')], { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  try {
    Object.assign(versions, JSON.parse(v.stdout.trim().split('\n').pop() ?? '{}') as Record<string, string>);
  } catch {
    // versions stay empty; the runs report their own
  }
  return { python, available: reasons, versions };
}

/** Runs bench/peers.py with one JSON request; returns its RESULT object. */
export async function runPeer<T>(venv: Venv, request: object, env: NodeJS.ProcessEnv = {}): Promise<T> {
  const r = await capture(venv.python, [PEERS], {
    input: JSON.stringify(request), env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...env }, timeoutMs: 30 * 60_000,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.code !== 0 || !line) throw new Error(`peers.py failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-8).join('\n')}`);
  return JSON.parse(line.slice('RESULT '.length)) as T;
}
