/**
 * The `npm test` runner can never hang: a layer past its time limit, or interrupted with Ctrl-C, is
 * killed with its whole process tree (also what left the process group), whatever a finished
 * layer leaves running is killed, and a layer whose browser is missing fails in seconds with the
 * command to run. Real child processes that sleep, real signals, and scripts/test.mjs itself.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureNeeds, layerTimeouts, runWithTimeout } from '../../../scripts/testRunner.mjs';

const ROOT = resolve(__dirname, '..', '..', '..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie is dead; its parent (not us) has not reaped it yet.
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

async function waitGone(pids: readonly number[], ms = 3000): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A node command that starts one `sleep 600` detached (it leaves the process group, as code-server
 * and Playwright's Chromium do) and one in its own group, writes its pid and theirs to `pidFile`,
 * and then hangs, exits, or hangs ignoring SIGTERM.
 */
function treeScript(pidFile: string, then: 'hang' | 'exit' | 'ignore-term'): string[] {
  const js = `
    const { spawn } = require('node:child_process');
    const escaped = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' }); escaped.unref();
    const inGroup = spawn('sleep', ['600'], { stdio: 'ignore' }); inGroup.unref();
    require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, JSON.stringify([process.pid, escaped.pid, inGroup.pid]));
    console.log('tree started');
    const then = ${JSON.stringify(then)};
    if (then === 'ignore-term') process.on('SIGTERM', () => console.log('SIGTERM ignored'));
    if (then !== 'exit') setInterval(() => {}, 1000);`;
  return [process.execPath, '-e', js];
}

describe('scripts/testRunner: layers cannot hang', function () {
  this.timeout(60_000);
  let tmp: string;
  beforeEach(() => { tmp = mkdtempSync(join(tmpdir(), 'cnnlab-runner-')); });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  const pidsOf = (f: string): number[] => JSON.parse(readFileSync(f, 'utf8')) as number[];

  it('kills a layer past its limit with its whole tree, including a child that left the group', async () => {
    const pidFile = join(tmp, 'pids.json');
    const lines: string[] = [];
    const r = await runWithTimeout(treeScript(pidFile, 'hang'), { timeoutMs: 1500, graceMs: 2000, name: 'fake', quiet: true, log: (l) => lines.push(l) });
    assert.equal(r.timedOut, true);
    assert.equal(r.code, 124);
    assert.ok(r.seconds < 6, `killed after ${r.seconds} s`);
    assert.match(r.out, /tree started/);
    assert.match(lines.join('\n'), /^!! fake timed out after 0\.03 min: killing its process tree/);
    assert.deepEqual(await waitGone(pidsOf(pidFile)), [], 'every process of the tree is gone');
  });

  it('SIGKILLs a layer that ignores SIGTERM after the grace period', async () => {
    const pidFile = join(tmp, 'pids.json');
    const r = await runWithTimeout(treeScript(pidFile, 'ignore-term'), { timeoutMs: 1000, graceMs: 1500, quiet: true, log: () => undefined });
    assert.equal(r.timedOut, true);
    assert.match(r.out, /SIGTERM ignored/);
    assert.ok(r.seconds >= 2.4 && r.seconds < 7, `killed after ${r.seconds} s (limit 1 s + grace 1.5 s)`);
    assert.deepEqual(await waitGone(pidsOf(pidFile)), []);
  });

  it('kills what a layer that exited by itself left running, and lists it', async () => {
    const pidFile = join(tmp, 'pids.json');
    const r = await runWithTimeout(treeScript(pidFile, 'exit'), { timeoutMs: 30_000, graceMs: 1000, quiet: true });
    assert.equal(r.timedOut, false);
    assert.equal(r.code, 0);
    assert.ok(r.seconds < 10, `returned after ${r.seconds} s`);
    const [, escaped, inGroup] = pidsOf(pidFile);
    assert.deepEqual(r.strays.map((p) => p.pid).sort(), [escaped, inGroup].sort());
    assert.ok(r.strays.every((p) => p.comm === 'sleep'));
    assert.deepEqual(await waitGone(pidsOf(pidFile)), []);
  });

  it('stops a layer when interrupted (the Ctrl-C path)', async () => {
    const pidFile = join(tmp, 'pids.json');
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 800);
    const r = await runWithTimeout(treeScript(pidFile, 'hang'), { timeoutMs: 30_000, graceMs: 1000, signal: stop.signal, quiet: true });
    assert.equal(r.interrupted, true);
    assert.equal(r.code, 130);
    assert.ok(r.seconds < 5, `stopped after ${r.seconds} s`);
    assert.deepEqual(await waitGone(pidsOf(pidFile)), []);
  });

  it('passes a plain exit status through, and reports a command that does not exist', async () => {
    const r = await runWithTimeout([process.execPath, '-e', 'process.exit(3)'], { timeoutMs: 10_000, quiet: true });
    assert.deepEqual([r.code, r.timedOut, r.strays], [3, false, []]);
    const missing = await runWithTimeout(['/nonexistent/cmd'], { timeoutMs: 10_000, quiet: true });
    assert.equal(missing.code, 127);
    assert.match(missing.out, /ENOENT/);
  });

  it('reads CNN_LAB_LAYER_TIMEOUT_MIN as one limit for all or layer=minutes pairs, and rejects typos', () => {
    const d = { unit: 10, e2e: 20 };
    assert.deepEqual(layerTimeouts(d, undefined), d);
    assert.deepEqual(layerTimeouts(d, '0.1'), { unit: 0.1, e2e: 0.1 });
    assert.deepEqual(layerTimeouts(d, 'e2e=30'), { unit: 10, e2e: 30 });
    assert.deepEqual(layerTimeouts(d, '5, e2e=30'), { unit: 5, e2e: 30 });
    assert.throws(() => layerTimeouts(d, '10m'), /CNN_LAB_LAYER_TIMEOUT_MIN/);
    assert.throws(() => layerTimeouts(d, '0'), /CNN_LAB_LAYER_TIMEOUT_MIN/);
  });

  it('a missing browser is a failed need with the command to run, never an install attempt for an explicit path', async () => {
    const explicit = await ensureNeeds('webview', ['chromium'], { env: { CNN_LAB_CHROMIUM: '/nonexistent/chromium' }, prefix: () => { throw new Error('must not install'); } });
    assert.equal(explicit.ok, false);
    assert.match(explicit.lines[0] ?? '', /^!! webview needs headless Chromium.*CNN_LAB_CHROMIUM=\/nonexistent\/chromium is not an executable file.*bash scripts\/system-deps\.sh/);
    const ok = await ensureNeeds('webview', ['chromium'], { env: { CNN_LAB_CHROMIUM: process.execPath } });
    assert.deepEqual(ok, { ok: true, lines: [] }, 'any executable passes (fonts are installed here)');
  });
});

describe('scripts/test.mjs: a hanging or browserless layer does not stop the run', function () {
  this.timeout(90_000);
  let tmp: string;
  beforeEach(() => { tmp = mkdtempSync(join(tmpdir(), 'cnnlab-testmjs-')); });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  function runTestMjs(layers: unknown[], env: Record<string, string>, args: string[] = [], interruptAfterMs?: number): Promise<{ code: number | null; out: string; seconds: number }> {
    const file = join(tmp, 'layers.json');
    writeFileSync(file, JSON.stringify(layers));
    const t0 = Date.now();
    return new Promise((resolvePromise) => {
      const child = spawn(process.execPath, [join(ROOT, 'scripts', 'test.mjs'), ...args], {
        env: { ...process.env, CNN_LAB_TEST_LAYERS: file, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      if (interruptAfterMs !== undefined) {
        // Like a terminal's Ctrl-C, once the layer has started.
        const poll = setInterval(() => { if (out.includes('hang started')) { clearInterval(poll); setTimeout(() => child.kill('SIGINT'), interruptAfterMs); } }, 50);
      }
      child.on('close', (code) => resolvePromise({ code, out, seconds: (Date.now() - t0) / 1000 }));
    });
  }

  const hang = (pidFile: string): unknown => ({
    name: 'hang', what: 'a layer that never ends', limit: 20,
    cmd: [process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); console.log('hang started'); setInterval(() => {}, 1000)`],
  });
  const next = { name: 'next', what: 'the layer after it', cmd: [process.execPath, '-e', "console.log('  1 passing')"], limit: 1 };

  it('kills a layer past CNN_LAB_LAYER_TIMEOUT_MIN with a clear message and goes on to the next layer', async () => {
    const pidFile = join(tmp, 'hang.pid');
    const r = await runTestMjs([hang(pidFile), next], { CNN_LAB_LAYER_TIMEOUT_MIN: 'hang=0.02' });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /^!! hang timed out after 0\.02 min: /m);
    assert.match(r.out, /^== next: 1 passed, 0 failed, 0 skipped/m);
    assert.match(r.out, /^layers failed: hang /m);
    assert.ok(r.seconds < 20, `${r.seconds} s`);
    assert.deepEqual(await waitGone([Number(readFileSync(pidFile, 'utf8'))]), []);
  });

  it('fails a Chromium layer in seconds, first line naming the command to run, and goes on', async () => {
    const browser = { name: 'browser', what: 'something in Chromium', needs: ['chromium'], limit: 1, cmd: [process.execPath, '-e', "console.log('must not run')"] };
    const r = await runTestMjs([browser, next], { CNN_LAB_CHROMIUM: '/nonexistent' });
    assert.equal(r.code, 1, r.out);
    const afterHeader = r.out.split('\n== browser (something in Chromium)\n')[1]?.split('\n')[0] ?? '';
    assert.match(afterHeader, /^!! browser needs headless Chromium.*bash scripts\/system-deps\.sh/);
    assert.doesNotMatch(r.out, /must not run/);
    assert.match(r.out, /^== next: 1 passed/m);
    assert.ok(r.seconds < 10, `${r.seconds} s`);
  });

  it('Ctrl-C kills the running layer\'s tree and exits 130', async () => {
    const pidFile = join(tmp, 'hang.pid');
    const r = await runTestMjs([hang(pidFile), next], {}, [], 300);
    assert.equal(r.code, 130, r.out);
    assert.match(r.out, /!! SIGINT: stopping hang/);
    assert.doesNotMatch(r.out, /== next/);
    assert.ok(r.seconds < 15, `${r.seconds} s`);
    assert.deepEqual(await waitGone([Number(readFileSync(pidFile, 'utf8'))]), []);
  });

  it('names an unknown layer instead of running nothing', async () => {
    const r = await runTestMjs([next], {}, ['nope']);
    assert.equal(r.code, 2);
    assert.match(r.out, /no such layer: nope/);
  });
});
