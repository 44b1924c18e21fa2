/**
 * Language-service speed: the work the server does on each keystroke (analysis = parse, validate,
 * infer shapes, plus inlay hints and lenses) for 10- and 200-layer files. Prints median and p95.
 *   npx tsx bench/lsp.ts
 */
import { analyzeModelText, codeLenses, inlayHints } from '../src/core/index';

function modelText(layers: number): string {
  const lines = ['name: bench', 'dataset: cifar10', 'layers:'];
  // Exactly `layers` layers: conv/batchnorm pairs, an activation when odd, then the classifier head.
  const body = layers - 3;
  for (let i = 0; i < Math.floor(body / 2); i++) {
    lines.push(`  - conv2d: { filters: ${8 + (i % 4) * 8}, kernel: 3, padding: same, activation: relu }`, '  - batchnorm: {}');
  }
  if (body % 2 === 1) lines.push('  - activation: relu');
  lines.push('  - flatten: {}', '  - dropout: { rate: 0.5 }', '  - dense: { units: 10, activation: softmax }');
  lines.push('train: { epochs: 5, batchSize: 64 }');
  return `${lines.join('\n')}\n`;
}

function measure(text: string, runs: number): { median: number; p95: number; layers: number } {
  for (let i = 0; i < 20; i++) analyzeModelText(text);
  const times: number[] = [];
  let layers = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const a = analyzeModelText(text);
    inlayHints(text, a);
    codeLenses(a);
    times.push(performance.now() - t0);
    layers = a.layers.length;
    if (a.diagnostics.some((d) => d.severity === 'error')) throw new Error('benchmark model has errors');
  }
  times.sort((x, y) => x - y);
  const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? NaN;
  return { median: q(0.5), p95: q(0.95), layers };
}

for (const n of [10, 200]) {
  const r = measure(modelText(n), 200);
  console.log(`${String(r.layers).padStart(3)} layers: median ${r.median.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms (analysis + inlay hints + lenses, 200 runs)`);
}
