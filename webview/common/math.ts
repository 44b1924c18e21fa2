/**
 * Pure maths of the webviews — smoothing, tiling, colour scales, kernel slicing — with no DOM,
 * so that plain-Node unit tests (test/unit/extension/) check it directly.
 */
import type { FilterLayer } from '../../src/shared/trainerProtocol';

/**
 * TensorBoard-style exponential moving average with de-biasing: the first points are not pulled
 * towards zero. `weight` in [0, 1): 0 = no smoothing.
 */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out: number[] = [];
  let last = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) { out.push(v); continue; }
    last = last * w + (1 - w) * v;
    n++;
    out.push(w === 0 ? v : last / (1 - w ** n));
  }
  return out;
}

/** Fractional epoch of a batch point (epoch 1, batch 1 of 100 → 0.01): the x axis of the batch curves. */
export function batchX(epoch: number, batch: number, batchesPerEpoch: number): number {
  return epoch - 1 + batch / Math.max(1, batchesPerEpoch);
}

export interface GridLayout {
  readonly cols: number;
  readonly rows: number;
  /** Canvas size in pixels, one-pixel gaps between tiles included. */
  readonly width: number;
  readonly height: number;
}

/**
 * Tiles `count` images of `tileW`×`tileH` into a near-square grid with `gap` pixels between
 * tiles (none at the border), preferring more columns than rows.
 */
export function gridLayout(count: number, tileW: number, tileH: number, gap = 1): GridLayout {
  if (count <= 0) return { cols: 0, rows: 0, width: 0, height: 0 };
  const cols = Math.ceil(Math.sqrt(count * (tileH / Math.max(1, tileW))));
  const c = Math.min(count, Math.max(1, cols));
  const rows = Math.ceil(count / c);
  return { cols: c, rows, width: c * tileW + (c - 1) * gap, height: rows * tileH + (rows - 1) * gap };
}

/** Top-left pixel of tile `i` in a layout. */
export function tileOrigin(layout: GridLayout, i: number, tileW: number, tileH: number, gap = 1): { x: number; y: number } {
  const col = i % layout.cols;
  const row = Math.floor(i / layout.cols);
  return { x: col * (tileW + gap), y: row * (tileH + gap) };
}

/** One channel of an HWC uint8 image as a row-major plane. */
export function channelPlane(hwc: Uint8Array, h: number, w: number, c: number, channel: number): Uint8Array {
  const out = new Uint8Array(h * w);
  for (let i = 0, j = channel; i < out.length; i++, j += c) out[i] = hwc[j] ?? 0;
  return out;
}

/** RGBA pixels of an HWC uint8 image with 1 or 3 channels. */
export function toRgba(hwc: Uint8Array, h: number, w: number, c: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(h * w * 4);
  for (let p = 0; p < h * w; p++) {
    const r = hwc[p * c] ?? 0;
    out[p * 4] = r;
    out[p * 4 + 1] = c === 3 ? hwc[p * c + 1] ?? 0 : r;
    out[p * 4 + 2] = c === 3 ? hwc[p * c + 2] ?? 0 : r;
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** Tint for showing one colour channel of an image on its own: red, green or blue. */
export function tintChannel(plane: Uint8Array, channel: 0 | 1 | 2): Uint8ClampedArray {
  const out = new Uint8ClampedArray(plane.length * 4);
  for (let p = 0; p < plane.length; p++) {
    out[p * 4 + channel] = plane[p] ?? 0;
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** Decodes base64 to bytes (atob exists in browsers and in Node ≥ 16). */
export function decodeBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Raw kernel of output filter `out` for input channel `inCh`, row-major [kh][kw] (weights are [kh][kw][in][out]). */
export function kernelSlice(layer: FilterLayer, out: number, inCh: number): Float32Array {
  const [kh, kw] = layer.kernel;
  const res = new Float32Array(kh * kw);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      res[y * kw + x] = layer.weights[((y * kw + x) * layer.inChannels + inCh) * layer.outChannels + out] ?? 0;
    }
  }
  return res;
}

/** Largest absolute weight of a layer (the symmetric limit of its diverging scale). */
export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i] ?? 0));
  return m;
}

/**
 * Diverging colour for `v` on a symmetric scale [-limit, +limit]: blue for negative, white at
 * zero, red for positive (the usual reading of conv weights: inhibitory versus excitatory).
 */
export function divergingColour(v: number, limit: number): [number, number, number] {
  const t = limit > 0 ? Math.max(-1, Math.min(1, v / limit)) : 0;
  if (t >= 0) {
    // white (255,255,255) → red (178, 24, 43)
    return [Math.round(255 - t * 77), Math.round(255 - t * 231), Math.round(255 - t * 212)];
  }
  const u = -t;
  // white → blue (33, 102, 172)
  return [Math.round(255 - u * 222), Math.round(255 - u * 153), Math.round(255 - u * 83)];
}

/** RGBA pixels of a kernel on the diverging scale. */
export function kernelRgba(kernel: Float32Array, limit: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(kernel.length * 4);
  for (let i = 0; i < kernel.length; i++) {
    const [r, g, b] = divergingColour(kernel[i] ?? 0, limit);
    out[i * 4] = r; out[i * 4 + 1] = g; out[i * 4 + 2] = b; out[i * 4 + 3] = 255;
  }
  return out;
}

/**
 * A first-layer colour filter seen as a small RGB image: its R, G and B kernels min-max scaled
 * together to 0..255 (the common way to show AlexNet's first-layer filters), so that a filter
 * that looks for red shows red.
 */
export function filterSwatchRgba(layer: FilterLayer, out: number): Uint8ClampedArray {
  const [kh, kw] = layer.kernel;
  const planes = [0, 1, 2].map((c) => kernelSlice(layer, out, Math.min(c, layer.inChannels - 1)));
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of planes) for (const v of p) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const span = hi - lo || 1;
  const px = new Uint8ClampedArray(kh * kw * 4);
  for (let i = 0; i < kh * kw; i++) {
    for (let c = 0; c < 3; c++) px[i * 4 + c] = Math.round((((planes[c] as Float32Array)[i] ?? 0) - lo) / span * 255);
    px[i * 4 + 3] = 255;
  }
  return px;
}

/** Accuracy gap (train − validation) per epoch; null where there is no validation. */
export function overfittingGap(epochs: readonly { acc: number; valAcc: number | null }[]): (number | null)[] {
  return epochs.map((e) => (e.valAcc === null ? null : e.acc - e.valAcc));
}

/** Counts and MACs read as the language server writes them (CodeLens, hover, summary): one formatter. */
export { groupDigits as formatCount, compact as formatCompact } from '../../src/shared/format';

/** Keras shape notation without the batch: "(None, 26, 26, 32)". */
export function formatShape(shape: readonly number[]): string {
  return `(None, ${shape.join(', ')})`;
}

/** Seconds → "1:05:09" / "5:09" / "9s". */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '–';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`;
  if (m > 0) return `${m}:${String(r).padStart(2, '0')}`;
  return `${r}s`;
}

export function formatPercent(v: number | null, digits = 2): string {
  return v === null || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`;
}

/** Heat of a confusion-matrix cell as an alpha in [0, 1], relative to its row (the actual class). */
export function rowShare(row: readonly number[], j: number): number {
  const total = row.reduce((a, b) => a + b, 0);
  return total > 0 ? (row[j] ?? 0) / total : 0;
}

/**
 * How values map to colours: `diverging` (blue below zero, white at zero, red above, symmetric
 * limit) when they take both signs, else `sequential` from `lo` (black) to `hi` (white).
 */
export type ValueScale =
  | { readonly kind: 'diverging'; readonly limit: number }
  | { readonly kind: 'sequential'; readonly lo: number; readonly hi: number };

/** The scale for values in [lo, hi]: diverging when they straddle zero, else sequential. */
export function scaleFor(lo: number, hi: number): ValueScale {
  if (lo < 0 && hi > 0) return { kind: 'diverging', limit: Math.max(-lo, hi) };
  return { kind: 'sequential', lo: Math.min(lo, hi), hi: Math.max(lo, hi) };
}

export function scaleColour(scale: ValueScale, v: number): [number, number, number] {
  if (scale.kind === 'diverging') return divergingColour(v, scale.limit);
  const span = scale.hi - scale.lo;
  const g = span > 0 ? Math.round(Math.max(0, Math.min(1, (v - scale.lo) / span)) * 255) : 0;
  return [g, g, g];
}

/** RGBA pixels of row-major values on a scale. */
export function valuesRgba(values: ArrayLike<number>, scale: ValueScale): Uint8ClampedArray {
  const out = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const [r, g, b] = scaleColour(scale, values[i] as number);
    out[i * 4] = r; out[i * 4 + 1] = g; out[i * 4 + 2] = b; out[i * 4 + 3] = 255;
  }
  return out;
}

/** Smallest and largest of some values ([0, 0] for none). */
export function extent(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) { const v = values[i] as number; if (v < lo) lo = v; if (v > hi) hi = v; }
  return Number.isFinite(lo) ? [lo, hi] : [0, 0];
}

/**
 * A feature-map channel's activations back from the trainer's 0..255 bytes and the channel's
 * [min, max] (exact to 1/255 of the channel's range): row-major [h][w].
 */
export function channelValues(bytes: Uint8Array, h: number, w: number, c: number, channel: number, range: readonly [number, number]): Float32Array {
  const [lo, hi] = range;
  const out = new Float32Array(h * w);
  for (let i = 0, j = channel; i < out.length; i++, j += c) out[i] = lo + ((bytes[j] ?? 0) / 255) * (hi - lo);
  return out;
}

/** Bilinear upsampling (half-pixel centres, as tf.image.resizeBilinear) of a row-major map. */
export function upsample(map: ArrayLike<number>, h: number, w: number, outH: number, outW: number): Float32Array {
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * (h / outH) - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const ty = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(Math.max((x + 0.5) * (w / outW) - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const tx = fx - x0;
      const top = (map[y0 * w + x0] as number) * (1 - tx) + (map[y0 * w + x1] as number) * tx;
      const bottom = (map[y1 * w + x0] as number) * (1 - tx) + (map[y1 * w + x1] as number) * tx;
      out[y * outW + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/** "Heat" colour for t in [0, 1]: transparent-black → red → yellow → white (saliency, Grad-CAM). */
export function heatColour(t: number): [number, number, number] {
  const u = Math.max(0, Math.min(1, t));
  return [Math.round(Math.min(1, u * 3) * 255), Math.round(Math.max(0, Math.min(1, u * 3 - 1)) * 255), Math.round(Math.max(0, u * 3 - 2) * 255)];
}

/**
 * An image with a heat map laid over it: each pixel is the image blended with the heat colour of
 * `heat[i] / max`, `alpha` times as strong where the heat is highest.
 */
export function overlayRgba(imageRgba: Uint8ClampedArray, heat: ArrayLike<number>, alpha = 0.6): Uint8ClampedArray {
  const [, hi] = extent(heat);
  const out = new Uint8ClampedArray(imageRgba.length);
  for (let i = 0; i < heat.length; i++) {
    const t = hi > 0 ? (heat[i] as number) / hi : 0;
    const [r, g, b] = heatColour(t);
    const a = alpha * t;
    out[i * 4] = Math.round((imageRgba[i * 4] ?? 0) * (1 - a) + r * a);
    out[i * 4 + 1] = Math.round((imageRgba[i * 4 + 1] ?? 0) * (1 - a) + g * a);
    out[i * 4 + 2] = Math.round((imageRgba[i * 4 + 2] ?? 0) * (1 - a) + b * a);
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** The `n` most probable classes, most probable first: [class, probability]. */
export function topClasses(probabilities: readonly number[], n = 3): [number, number][] {
  return probabilities.map((p, i): [number, number] => [i, p]).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, n);
}

/** A number in a few significant digits for labels and tooltips: "0.0123", "−1.50", "3.2e-7". */
export function formatValue(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  const s = a >= 1e-3 && a < 10 ** digits ? v.toPrecision(digits) : a >= 10 ** digits && a < 1e6 ? v.toFixed(0) : v.toExponential(digits - 1);
  return s.replace('-', '−');
}
