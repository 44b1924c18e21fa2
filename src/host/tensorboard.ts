/**
 * TensorBoard over a runs folder, for the extension's "Open Runs in TensorBoard" command: find a
 * Python that has TensorBoard, start `python -m tensorboard.main --logdir <runs>` on a free
 * localhost port and report its address once it listens. CNN Lab writes each run's event files
 * as Keras does (`<run>/train`, `<run>/validation`), so the same TensorBoard shows Keras runs too.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';

/** The first candidate Python that imports `tensorboard`, with its version; or every one tried. */
export async function findTensorBoard(pythons: readonly string[]): Promise<{ python: string; version: string } | { missing: readonly string[] }> {
  const tried: string[] = [];
  for (const python of [...new Set(pythons.filter((p) => p.trim() !== ''))]) {
    tried.push(python);
    const version = await new Promise<string | null>((resolve) => {
      execFile(python, ['-c', 'import tensorboard; print(tensorboard.__version__)'], { encoding: 'utf8', timeout: 60_000 }, (err, stdout) => {
        resolve(err ? null : stdout.trim().split('\n').pop() ?? '?');
      });
    });
    if (version !== null) return { python, version };
  }
  return { missing: tried };
}

/** The pip command that installs TensorBoard for `python`, as the user would type it. */
export function installCommand(python: string): string {
  const quoted = /[\s"']/.test(python) ? `"${python.replace(/"/g, '\\"')}"` : python;
  return `${quoted} -m pip install tensorboard`;
}

export interface RunningTensorBoard {
  readonly url: string;
  readonly logdir: string;
  readonly process: ChildProcess;
  stop(): void;
}

/**
 * Starts TensorBoard on `logdir` (port 0: the system picks a free one) and resolves with its URL
 * when it prints it; rejects with its last output if it exits first or says nothing for `timeoutMs`.
 */
export function startTensorBoard(python: string, logdir: string, timeoutMs = 60_000, log: (line: string) => void = () => undefined): Promise<RunningTensorBoard> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'tensorboard.main', '--logdir', logdir, '--host', 'localhost', '--port', '0', '--reload_interval', '5'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    });
    let output = '';
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`TensorBoard did not start within ${Math.round(timeoutMs / 1000)} s: ${output.trim().split('\n').slice(-3).join(' ')}`)), timeoutMs);
    const stop = (): void => { if (child.exitCode === null && child.signalCode === null) child.kill(); };
    function fail(e: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop();
      reject(e);
    }
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split('\n')) if (line.trim() !== '') log(line.trimEnd());
      // "TensorBoard 2.21.0 at http://localhost:41235/ (Press CTRL+C to quit)"
      const m = /TensorBoard [\w.]+ at (https?:\/\/\S+?)\/? /.exec(output);
      if (m?.[1] && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ url: `${m[1]}/`, logdir, process: child, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => fail(e));
    child.on('exit', (code, signal) => fail(new Error(`TensorBoard exited (${signal ?? `code ${code}`}): ${output.trim().split('\n').slice(-3).join(' ')}`)));
  });
}
