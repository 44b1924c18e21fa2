/**
 * `shapes`: a generated RGB data set for quick experiments and for exercising the colour path.
 * 32×32 images of a circle, square or triangle in red, green or blue on a noisy, nearly grey
 * background; 9 classes (colour × shape) in the order of `DATASETS.shapes.classNames`.
 *
 * Built so that a model needs both colour and shape:
 * - shape areas are equal (a circle of radius r, a square and an equilateral triangle of area πr²),
 *   so the amount of colour in the image says nothing about the shape;
 * - every shape's luma (ITU-R BT.601) is drawn from the same range whatever its hue — a blue
 *   shape is made lighter and less saturated to reach the luma a red one has — so a grayscale
 *   copy keeps the shape but loses the colour: grayscale models top out near one third of the
 *   colour classes, which is the point of the `grayscale: true` experiment;
 * - the background brightness varies widely, so the overall image brightness carries no class.
 * Everything is drawn from the seed: the same seed gives byte-identical images.
 */
import { DATASETS } from '../../shared/datasets';
import { Random, deriveSeed } from './random';
import type { ImageSet, LoadOptions, LoadedDataset } from './types';

const SIZE = 32;
const CHANNELS = 3;
const SHAPE_KINDS = ['circle', 'square', 'triangle'] as const;
const SHAPE_COLOURS = ['red', 'green', 'blue'] as const;
const BASE_HUE = { red: 0, green: 120, blue: 240 } as const;
/** BT.601 luma weights. */
const LUMA = [0.299, 0.587, 0.114] as const;

function hueToRgb(hueDeg: number): [number, number, number] {
  // Fully saturated colour of that hue (HSV with s = v = 1).
  const h = (((hueDeg % 360) + 360) % 360) / 60;
  const x = 1 - Math.abs((h % 2) - 1);
  if (h < 1) return [1, x, 0];
  if (h < 2) return [x, 1, 0];
  if (h < 3) return [0, 1, x];
  if (h < 4) return [0, x, 1];
  if (h < 5) return [x, 0, 1];
  return [1, 0, x];
}

const luma = (c: readonly [number, number, number]): number => LUMA[0] * c[0] + LUMA[1] * c[1] + LUMA[2] * c[2];

/**
 * A colour of hue ≈ `baseHue` whose luma is exactly `targetLuma`: saturation is lowered as far as
 * needed for dark hues (blue) to reach bright lumas, then the value scales it onto the target.
 */
function colourWithLuma(rng: Random, baseHue: number, targetLuma: number): [number, number, number] {
  const pure = hueToRgb(baseHue + rng.range(-15, 15));
  const pureLuma = luma(pure);
  let s = rng.range(0.55, 1);
  // With v = 1, luma(s) = 1 - s (1 - pureLuma); keep it ≥ target so v ≤ 1.
  s = Math.min(s, (1 - targetLuma) / (1 - pureLuma));
  const full: [number, number, number] = [1 - s * (1 - pure[0]), 1 - s * (1 - pure[1]), 1 - s * (1 - pure[2])];
  const v = targetLuma / luma(full);
  return [full[0] * v, full[1] * v, full[2] * v];
}

/** Inside test for a shape of "radius" r in its own frame (u right, v down, centre at 0). */
type InsideTest = (u: number, v: number) => boolean;

function insideTest(kind: number, r: number): InsideTest {
  if (kind === 0) {
    const r2 = r * r;
    return (u, v) => u * u + v * v <= r2;
  }
  if (kind === 1) {
    const half = (r * Math.sqrt(Math.PI)) / 2; // side r√π: area πr²
    return (u, v) => Math.abs(u) <= half && Math.abs(v) <= half;
  }
  // Equilateral triangle of area πr², centroid at the origin, apex up; inradius = side / (2√3).
  // Outward edge normals: (0, 1) for the bottom edge, (∓√3/2, −1/2) for the two others.
  const inradius = (r * Math.sqrt((4 * Math.PI) / Math.sqrt(3))) / (2 * Math.sqrt(3));
  return (u, v) => v <= inradius && -0.8660254 * u - 0.5 * v <= inradius && 0.8660254 * u - 0.5 * v <= inradius;
}

/** Furthest extent from the centre (for placement): circle r, square half-diagonal, triangle circumradius. */
function extent(kind: number, r: number): number {
  if (kind === 0) return r;
  if (kind === 1) return ((r * Math.sqrt(Math.PI)) / 2) * Math.SQRT2;
  return (r * Math.sqrt((4 * Math.PI) / Math.sqrt(3))) / Math.sqrt(3);
}

/**
 * Standard-normal quantiles at 4,096 evenly spaced probabilities: pixel noise ends up as 8-bit
 * values, so drawing it by table lookup (one uniform per pixel and channel) loses nothing against
 * Box–Muller and is several times faster. Built by integrating the density numerically.
 */
let normalTable: Float64Array | null = null;
function normalQuantiles(): Float64Array {
  if (normalTable) return normalTable;
  const size = 4096;
  const lo = -7;
  const step = 1e-4;
  const table = new Float64Array(size);
  let cdf = 0;
  let x = lo;
  let k = 0;
  const density = (t: number): number => Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
  while (k < size) {
    const next = cdf + 0.5 * step * (density(x) + density(x + step));
    const target = (k + 0.5) / size;
    if (next >= target) {
      table[k++] = x + (step * (target - cdf)) / (next - cdf);
      continue;
    }
    cdf = next;
    x += step;
  }
  normalTable = table;
  return table;
}

const SUB = [0.25, 0.75] as const;

function drawImage(rng: Random, label: number, out: Uint8Array, offset: number): void {
  const kind = Math.floor(label / SHAPE_COLOURS.length);
  const colourName = SHAPE_COLOURS[label % SHAPE_COLOURS.length] ?? 'red';
  const targetLuma = rng.range(0.25, 0.65);
  const fg = colourWithLuma(rng, BASE_HUE[colourName], targetLuma);

  // Nearly grey background with a faint random tint, at least 0.15 luma away from the shape.
  let grey = rng.range(0.05, 0.95 - 0.3);
  if (grey > targetLuma - 0.15) grey += 0.3;
  const tint = hueToRgb(rng.range(0, 360));
  const tintAmount = rng.range(0, 0.12);
  const bg = [0, 1, 2].map((c) => grey * (1 - tintAmount) + grey * tintAmount * 2 * (tint[c] ?? 0)) as [number, number, number];
  const noise = rng.range(0.02, 0.07);

  const r = rng.range(5.5, 9);
  const reach = extent(kind, r);
  const cx = rng.range(reach + 0.5, SIZE - reach - 0.5);
  const cy = rng.range(reach + 0.5, SIZE - reach - 0.5);
  const angle = kind === 0 ? 0 : rng.range(-Math.PI / 6, Math.PI / 6);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const isInside = insideTest(kind, r);
  const edgeReach2 = (reach + 1) * (reach + 1);
  const gauss = normalQuantiles();
  const gaussMask = gauss.length - 1;

  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      // 2×2 supersampling for anti-aliased edges; pixels clearly outside the shape skip it.
      let cover = 0;
      const px = x + 0.5 - cx;
      const py = y + 0.5 - cy;
      if (px * px + py * py <= edgeReach2) {
        for (const sy of SUB) {
          for (const sx of SUB) {
            const dx = x + sx - cx;
            const dy = y + sy - cy;
            if (isInside(cos * dx + sin * dy, -sin * dx + cos * dy)) cover += 0.25;
          }
        }
      }
      const o = offset + (y * SIZE + x) * CHANNELS;
      for (let c = 0; c < CHANNELS; c++) {
        const clean = (bg[c] ?? 0) * (1 - cover) + (fg[c] ?? 0) * cover;
        const value = clean + noise * (gauss[Math.floor(rng.next() * 4096) & gaussMask] ?? 0);
        out[o + c] = Math.max(0, Math.min(255, Math.round(value * 255)));
      }
    }
  }
}

/** `count` images with balanced classes (count / 9 each, the remainder spread), in random order. */
export function generateShapes(count: number, seed: number): ImageSet {
  const rng = new Random(seed);
  const numClasses = SHAPE_KINDS.length * SHAPE_COLOURS.length;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = i % numClasses;
  rng.shuffle(labels);
  const images = new Uint8Array(count * SIZE * SIZE * CHANNELS);
  for (let i = 0; i < count; i++) drawImage(rng, labels[i] ?? 0, images, i * SIZE * SIZE * CHANNELS);
  return { images, labels, count };
}

export function loadShapes(opts: Pick<LoadOptions, 'seed' | 'onProgress'>, counts?: { train: number; test: number }): LoadedDataset {
  const info = DATASETS.shapes;
  const trainCount = counts?.train ?? info.trainCount;
  const testCount = counts?.test ?? info.testCount;
  opts.onProgress?.({ task: 'Generating shapes', fraction: null, detail: `${trainCount + testCount} images, seed ${opts.seed}` });
  return {
    name: 'shapes',
    source: `generated from seed ${opts.seed}: ${trainCount.toLocaleString('en-US')} train / ${testCount.toLocaleString('en-US')} test colour shapes`,
    shape: [SIZE, SIZE, CHANNELS],
    classNames: info.classNames,
    train: generateShapes(trainCount, deriveSeed(opts.seed, 'shapes-train')),
    test: generateShapes(testCount, deriveSeed(opts.seed, 'shapes-test')),
  };
}
