/**
 * Language-service speed for 10- and 200-layer model files. Prints median and p95 of:
 * - the work the server does on each change (analysis = parse, validate, infer shapes, plus inlay
 *   hints and lenses), in process — the lines `bench/run.ts` reads;
 * - the same with the general YAML parser only (what the plain-YAML fast path saves);
 * - the real round trip through the language server over stdio: `didChange` with a new version
 *   (one layer edited) until the pulled diagnostics arrive.
 *   npx tsx bench/lsp.ts
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, DocumentDiagnosticRequest, ExitNotification,
  InitializedNotification, InitializeRequest, ShutdownRequest,
} from 'vscode-languageserver-protocol';
import type { FullDocumentDiagnosticReport } from 'vscode-languageserver-protocol';
import { analyzeModelText, codeLenses, inlayHints } from '../src/core/index';
import type { AnalyzeOptions } from '../src/core/index';

const RUNS = 200;

function modelText(layers: number, variant = 0): string {
  const lines = ['name: bench', 'dataset: cifar10', 'layers:'];
  // Exactly `layers` layers: conv/batchnorm pairs, an activation when odd, then the classifier head.
  const body = layers - 3;
  for (let i = 0; i < Math.floor(body / 2); i++) {
    // `variant` edits one layer, as a keystroke would.
    const filters = i === 0 ? 8 + (variant % 50) : 8 + (i % 4) * 8;
    lines.push(`  - conv2d: { filters: ${filters}, kernel: 3, padding: same, activation: relu }`, '  - batchnorm: {}');
  }
  if (body % 2 === 1) lines.push('  - activation: relu');
  lines.push('  - flatten: {}', '  - dropout: { rate: 0.5 }', '  - dense: { units: 10, activation: softmax }');
  lines.push('train: { epochs: 5, batchSize: 64 }');
  return `${lines.join('\n')}\n`;
}

function quantiles(times: number[]): { median: number; p95: number } {
  times.sort((x, y) => x - y);
  const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? NaN;
  return { median: q(0.5), p95: q(0.95) };
}

function measureCore(layers: number, options: AnalyzeOptions): { median: number; p95: number; layers: number } {
  for (let i = 0; i < 20; i++) analyzeModelText(modelText(layers, i), options);
  const times: number[] = [];
  let count = 0;
  for (let i = 0; i < RUNS; i++) {
    const text = modelText(layers, i);
    const t0 = performance.now();
    const a = analyzeModelText(text, options);
    inlayHints(text, a);
    codeLenses(a);
    times.push(performance.now() - t0);
    count = a.layers.length;
    if (a.diagnostics.some((d) => d.severity === 'error')) throw new Error('benchmark model has errors');
  }
  return { ...quantiles(times), layers: count };
}

/** didChange → pulled diagnostics through the real server process over stdio. */
async function measureServer(sizes: readonly number[]): Promise<Map<number, { median: number; p95: number }>> {
  const root = join(__dirname, '..');
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'server', 'main.ts'), '--stdio'], { cwd: root, stdio: 'pipe' });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  conn.listen();
  const out = new Map<number, { median: number; p95: number }>();
  try {
    await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid, rootUri: null, workspaceFolders: null, capabilities: { textDocument: { diagnostic: { dynamicRegistration: false } } },
    });
    await conn.sendNotification(InitializedNotification.type, {});
    for (const layers of sizes) {
      const uri = `file:///bench/model${layers}.cnn.yaml`;
      await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'cnn-model', version: 1, text: modelText(layers, 0) } });
      const times: number[] = [];
      for (let i = 1; i <= RUNS + 20; i++) {
        const text = modelText(layers, i);
        const t0 = performance.now();
        await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: i + 1 }, contentChanges: [{ text }] });
        const r = await conn.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri } }) as FullDocumentDiagnosticReport;
        if (i > 20) times.push(performance.now() - t0);
        if (r.kind !== 'full' || r.items.some((d) => d.severity === 1)) throw new Error('benchmark model has errors');
      }
      out.set(layers, quantiles(times));
    }
    await conn.sendRequest(ShutdownRequest.type);
    await conn.sendNotification(ExitNotification.type);
  } finally {
    conn.dispose();
    proc.kill();
  }
  return out;
}

async function main(): Promise<void> {
  const sizes = [10, 200];
  for (const n of sizes) {
    const r = measureCore(n, {});
    console.log(`${String(r.layers).padStart(3)} layers: median ${r.median.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms (analysis + inlay hints + lenses, ${RUNS} runs)`);
  }
  for (const n of sizes) {
    const r = measureCore(n, { fullYamlParser: true });
    console.log(`${String(r.layers).padStart(3)} layers, general YAML parser only: median ${r.median.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms`);
  }
  for (const [n, r] of await measureServer(sizes)) {
    console.log(`${String(n).padStart(3)} layers through the server over stdio (didChange → pulled diagnostics): median ${r.median.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exit(1);
});
