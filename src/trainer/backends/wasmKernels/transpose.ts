/**
 * `Transpose` for the wasm backend, in JavaScript on the wasm heap. The shipped C++ kernel walks
 * the output element by element with index arithmetic; a training step transposes several
 * megabytes (the filter gradient transposes x and dy, the dense-layer products their operands),
 * and where the last axis moves the shipped kernel takes up to twice as long as blocked matrix
 * transposes (bench/wasm.ts). After size-1 axes are dropped and axes that stay neighbours are
 * merged, every permutation of two or three axes that moves the last one is a set of blocked
 * matrix transposes here. The shipped kernel keeps the rest: permutations that keep the last axis
 * (it copies whole runs of it, faster than JavaScript), four or more merged axes, small tensors
 * and strings.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WASM } from './composer';

/** Below this many elements the shipped kernel is as fast. */
const MIN_ELEMENTS = 4096;
/** Tile edge of the blocked matrix transpose (a 32×32 float tile is 4 KiB). */
const TILE = 32;

type Heap = Float32Array | Int32Array | Uint8Array;

/** Drops size-1 axes and merges runs of axes that stay adjacent and in order. */
export function simplifyPermutation(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  const kept = shape.map((_, i) => i).filter((i) => (shape[i] as number) !== 1);
  const rank = new Map(kept.map((axis, i) => [axis, i]));
  const p = perm.filter((a) => (shape[a] as number) !== 1).map((a) => rank.get(a) as number);
  const s = kept.map((a) => shape[a] as number);
  // Merge: output axes k, k+1 that read input axes i, i+1.
  const groups: number[][] = [];
  for (const a of p) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] === a - 1) last.push(a);
    else groups.push([a]);
  }
  const order = [...groups].sort((g, h) => (g[0] as number) - (h[0] as number));
  const newIndex = new Map(order.map((g, i) => [g[0] as number, i]));
  return {
    shape: order.map((g) => g.reduce((n, a) => n * (s[a] as number), 1)),
    perm: groups.map((g) => newIndex.get(g[0] as number) as number),
  };
}

/** out = x transposed by `perm` (already simplified); false when no loop here handles it. */
export function transposeInto(x: Heap, shape: readonly number[], perm: readonly number[], out: Heap): boolean {
  const r = shape.length;
  if (r === 2) {
    matrixTranspose(x, 0, shape[0] as number, shape[1] as number, shape[1] as number, out, 0, shape[0] as number);
    return true;
  }
  if (r === 3) {
    const [a, m, c] = shape as [number, number, number];
    if (perm[0] === 0 && perm[1] === 2 && perm[2] === 1) {
      // [a, m, c] → [a, c, m]: a matrices.
      for (let i = 0; i < a; i++) matrixTranspose(x, i * m * c, m, c, c, out, i * m * c, m);
      return true;
    }
    if (perm[0] === 2 && perm[1] === 1 && perm[2] === 0) {
      // [a, m, c] → [c, m, a]: for each middle index, an a×c matrix with rows m·c apart.
      for (let j = 0; j < m; j++) matrixTranspose(x, j * c, a, c, m * c, out, j * a, m * a);
      return true;
    }
  }
  return false;
}

/** Whether `transposeInto` handles this (simplified) permutation. */
export function handledPermutation(perm: readonly number[]): boolean {
  const r = perm.length;
  if (r === 2) return true;
  return r === 3 && ((perm[0] === 0 && perm[1] === 2) || (perm[0] === 2 && perm[1] === 1));
}

/** out[oOff + c·oRow + r] = x[xOff + r·xRow + c] for r < rows, c < cols, in tiles. */
function matrixTranspose(x: Heap, xOff: number, rows: number, cols: number, xRow: number, out: Heap, oOff: number, oRow: number): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        const src = xOff + r * xRow;
        const dst = oOff + r;
        for (let c = c0; c < c1; c++) out[dst + c * oRow] = x[src + c] as number;
      }
    }
  }
}

function makeTransposeWasm(shipped: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs;
    if (x === undefined) throw new Error('Transpose needs x');
    const { perm } = args.attrs as unknown as tf.TransposeAttrs;
    const size = x.shape.reduce((a, b) => a * b, 1);
    if (x.dtype === 'string' || x.dtype === 'complex64' || size < MIN_ELEMENTS) return shipped(args);
    const simple = simplifyPermutation(x.shape, perm);
    if (!handledPermutation(simple.perm)) return shipped(args);
    const backend = args.backend as BackendWasm;
    const outShape = perm.map((a) => x.shape[a] as number);
    const out = backend.makeOutput(outShape, x.dtype);
    // Views after makeOutput: allocating may grow (and so detach) the wasm memory.
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    if (!transposeInto(src, simple.shape, simple.perm, dst)) throw new Error('wasm Transpose: unexpected permutation');
    return out;
  };
}

export function transposeConfig(shipped: tf.KernelConfig | undefined): tf.KernelConfig {
  if (shipped === undefined) throw new Error('wasm Transpose: the shipped kernel is missing');
  return {
    kernelName: tf.Transpose,
    backendName: WASM,
    kernelFunc: makeTransposeWasm(shipped.kernelFunc),
    ...(shipped.setupFunc !== undefined ? { setupFunc: shipped.setupFunc } : {}),
  };
}
