/**
 * How an image becomes a data set's pixels, in one place for the trainer (image-folder data sets,
 * grayscale runs) and the dashboard (the user's own image, "resized as the data set is"), so the
 * two cannot drift apart. Pure: bytes in, bytes out, no DOM, no tfjs.
 */

/**
 * Bilinear resize of RGBA (`w`×`h`, row-major) to `outW`×`outH` RGB bytes, alpha dropped as
 * Keras/PIL do for RGB, written into `out` at `offset` (a new array by default) and returned.
 * Half-pixel centres, as tf.image.resize: source coordinate = (dst + 0.5) · scale − 0.5, clamped
 * to the edges.
 */
export function resizeRgbaToRgb(rgba: ArrayLike<number>, w: number, h: number, outW: number, outH: number, out = new Uint8Array(outW * outH * 3), offset = 0): Uint8Array {
  const sy = h / outH;
  const sx = w / outW;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const wy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const wx = fx - x0;
      const a = (y0 * w + x0) * 4;
      const b = (y0 * w + x1) * 4;
      const c = (y1 * w + x0) * 4;
      const d = (y1 * w + x1) * 4;
      const o = offset + (y * outW + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = (rgba[a + ch] ?? 0) * (1 - wx) + (rgba[b + ch] ?? 0) * wx;
        const bottom = (rgba[c + ch] ?? 0) * (1 - wx) + (rgba[d + ch] ?? 0) * wx;
        out[o + ch] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return out;
}

/** ITU-R BT.601 luma weights (as in PIL's "L" mode and tf.image.rgb_to_grayscale). */
const BT601 = [0.299, 0.587, 0.114] as const;

/**
 * One channel of the first `pixels` RGB pixels (all of them by default) with ITU-R BT.601 luma,
 * Y = 0.299 R + 0.587 G + 0.114 B, rounded to the nearest byte.
 */
export function rgbToGray(rgb: ArrayLike<number>, pixels = Math.floor(rgb.length / 3)): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let p = 0, s = 0; p < pixels; p++, s += 3) {
    out[p] = Math.round(BT601[0] * (rgb[s] ?? 0) + BT601[1] * (rgb[s + 1] ?? 0) + BT601[2] * (rgb[s + 2] ?? 0));
  }
  return out;
}
