/**
 * Grad-CAM's weighting (Selvaraju et al., 2017, eq. 1 and 2), as plain arithmetic on the arrays
 * the inspector reads back, so that it is unit-tested without TensorFlow: each channel k of the
 * last conv layer's activations A (HWC) gets the weight α_k = the spatial mean of ∂score/∂A_k,
 * and the map is ReLU(Σ_k α_k A_k), positive where the channels that raise the class score fire.
 */

/** α_k = (1 / (h·w)) Σ_ij ∂score/∂A_ij^k for HWC gradients. */
export function gradCamWeights(grads: ArrayLike<number>, h: number, w: number, k: number): Float32Array {
  const sums = new Float64Array(k);
  for (let p = 0; p < h * w; p++) for (let c = 0; c < k; c++) sums[c] = (sums[c] ?? 0) + (grads[p * k + c] as number);
  const out = new Float32Array(k);
  for (let c = 0; c < k; c++) out[c] = (sums[c] ?? 0) / Math.max(1, h * w);
  return out;
}

/** ReLU(Σ_k α_k A^k) at the layer's resolution, row-major [h][w]. */
export function gradCamMap(acts: ArrayLike<number>, weights: ArrayLike<number>, h: number, w: number, k: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let p = 0; p < h * w; p++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += (weights[c] as number) * (acts[p * k + c] as number);
    out[p] = Math.max(0, s);
  }
  return out;
}
