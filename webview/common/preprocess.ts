/**
 * The user's own images made into what the model was trained on. Pure (no DOM), so plain-Node
 * unit tests check it:
 * - a drawing becomes an MNIST digit the way MNIST's were made (LeCun et al.): the stroke's
 *   bounding box scaled, aspect kept, to fit a 20×20 box with anti-aliasing (area averaging),
 *   then placed in 28×28 so that its centre of mass is at the centre, (14, 14) in pixel indices
 *   (translated by a sub-pixel amount with linear interpolation, which moves the centre of mass
 *   exactly as far);
 * - a picked or dropped image is resized and made grayscale by the trainer's own functions
 *   (src/shared/imageResize: bilinear, half-pixel centres, alpha dropped; ITU-R BT.601 luma,
 *   rounded), so it is resized as the data set is.
 */
import { resizeRgbaToRgb, rgbToGray } from '../../src/shared/imageResize';

/** MNIST's box for the digit, and its field. */
const MNIST_BOX = 20;
const MNIST_SIZE = 28;
/** Where MNIST puts the centre of mass, in pixel indices (x and y). */
export const MNIST_CENTRE = 14;

/** Centre of mass (x, y) of a row-major intensity image, in pixel indices; null when it is all zero. */
export function centreOfMass(img: ArrayLike<number>, w: number, h: number): { x: number; y: number } | null {
  let m = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = img[y * w + x] as number;
      m += v; sx += v * x; sy += v * y;
    }
  }
  return m > 0 ? { x: sx / m, y: sy / m } : null;
}

/** The smallest box holding every pixel above `threshold`; null when there is none. */
function boundingBox(img: ArrayLike<number>, w: number, h: number, threshold: number): { x0: number; y0: number; x1: number; y1: number } | null {
  let x0 = w; let y0 = h; let x1 = -1; let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if ((img[y * w + x] as number) <= threshold) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/**
 * Area-averaging resample of the box [x0, x1) × [y0, y1) of `img` to `ow`×`oh`: each output pixel
 * is the mean of the source area it covers (fractional pixels weighted), the anti-aliasing of a
 * downscale.
 */
function areaResample(img: ArrayLike<number>, w: number, box: { x0: number; y0: number; x1: number; y1: number }, ow: number, oh: number): Float64Array {
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  // Horizontal pass: rows of the box → ow columns.
  const tmp = new Float64Array(bh * ow);
  const sx = bw / ow;
  for (let x = 0; x < ow; x++) {
    const a = x * sx;
    const b = (x + 1) * sx;
    for (let p = Math.floor(a); p < Math.ceil(b); p++) {
      const cover = Math.min(b, p + 1) - Math.max(a, p);
      if (cover <= 0) continue;
      for (let y = 0; y < bh; y++) tmp[y * ow + x] = (tmp[y * ow + x] as number) + cover * (img[(box.y0 + y) * w + box.x0 + p] as number);
    }
    for (let y = 0; y < bh; y++) tmp[y * ow + x] = (tmp[y * ow + x] as number) / sx;
  }
  const out = new Float64Array(oh * ow);
  const sy = bh / oh;
  for (let y = 0; y < oh; y++) {
    const a = y * sy;
    const b = (y + 1) * sy;
    for (let p = Math.floor(a); p < Math.ceil(b); p++) {
      const cover = Math.min(b, p + 1) - Math.max(a, p);
      if (cover <= 0) continue;
      for (let x = 0; x < ow; x++) out[y * ow + x] = (out[y * ow + x] as number) + cover * (tmp[p * ow + x] as number);
    }
    for (let x = 0; x < ow; x++) out[y * ow + x] = (out[y * ow + x] as number) / sy;
  }
  return out;
}

/**
 * A drawing (row-major intensities 0..255, stroke bright on dark, any size) as an MNIST digit:
 * 28×28 bytes, the digit fit into 20×20 (aspect kept) and centred by its centre of mass at
 * (14, 14). Null when nothing is drawn.
 */
export function mnistFromDrawing(img: ArrayLike<number>, w: number, h: number): Uint8Array | null {
  const box = boundingBox(img, w, h, 0);
  if (box === null) return null;
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const scale = MNIST_BOX / Math.max(bw, bh);
  const ow = Math.max(1, Math.round(bw * scale));
  const oh = Math.max(1, Math.round(bh * scale));
  const digit = areaResample(img, w, box, ow, oh);
  const com = centreOfMass(digit, ow, oh);
  if (com === null) return null;
  // Place the digit so that its centre of mass lands on the centre: out(x, y) = digit(x − dx, y − dy).
  const dx = MNIST_CENTRE - com.x;
  const dy = MNIST_CENTRE - com.y;
  const at = (x: number, y: number): number => (x >= 0 && x < ow && y >= 0 && y < oh ? digit[y * ow + x] as number : 0);
  const out = new Uint8Array(MNIST_SIZE * MNIST_SIZE);
  for (let y = 0; y < MNIST_SIZE; y++) {
    const fy = y - dy;
    const y0 = Math.floor(fy);
    const ty = fy - y0;
    for (let x = 0; x < MNIST_SIZE; x++) {
      const fx = x - dx;
      const x0 = Math.floor(fx);
      const tx = fx - x0;
      const v = (1 - ty) * ((1 - tx) * at(x0, y0) + tx * at(x0 + 1, y0)) + ty * ((1 - tx) * at(x0, y0 + 1) + tx * at(x0 + 1, y0 + 1));
      out[y * MNIST_SIZE + x] = Math.min(255, Math.max(0, Math.round(v)));
    }
  }
  return out;
}

/**
 * An RGBA image made into the model's input [h, w, c] as the data set's images are: resized, then
 * grayscale for one channel; `invert` turns dark-on-light (a photo of a digit on paper) into
 * MNIST's light-on-dark.
 */
export function imageForModel(rgba: ArrayLike<number>, w: number, h: number, shape: readonly [number, number, number], invert = false): Uint8Array {
  const rgb = resizeRgbaToRgb(rgba, w, h, shape[1], shape[0]);
  const px = shape[2] === 1 ? rgbToGray(rgb) : rgb;
  if (invert) for (let i = 0; i < px.length; i++) px[i] = 255 - (px[i] as number);
  return px;
}

/** Base64 of bytes (btoa exists in browsers and in Node ≥ 16). */
export function encodeBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
