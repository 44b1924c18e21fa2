import * as tf from '@tensorflow/tfjs';
import { loadWasmBackend } from '../src/trainer/backends/wasm';
import { shippedWasmKernel } from '../src/trainer/backends/wasmKernels';
async function main() {
  await loadWasmBackend();
  const shipped = shippedWasmKernel('Sum')!;
  for (const s of [[128,26,26,32],[128,11,11,64]]) {
    const N = s.slice(0,-1).reduce((a,b)=>a*b,1), C = s[s.length-1]!;
    const res: Record<string, number> = { ours: Infinity, shipped: Infinity, oursT: Infinity };
    for (let rep = 0; rep < 8; rep++) {
      const dy = tf.randomNormal(s); dy.dataSync();
      let t0 = performance.now(); tf.tidy(() => { tf.sum(dy, [0,1,2]).dataSync(); }); res.ours = Math.min(res.ours!, performance.now() - t0);
      const dy2 = tf.randomNormal(s); dy2.dataSync();
      t0 = performance.now(); const info = shipped.kernelFunc({ inputs: { x: dy2 }, backend: tf.backend(), attrs: { axis: [0,1,2], keepDims: false } }) as tf.TensorInfo; tf.engine().makeTensorFromTensorInfo(info).dataSync(); res.shipped = Math.min(res.shipped!, performance.now() - t0);
      const dy3 = tf.randomNormal(s); dy3.dataSync();
      t0 = performance.now(); tf.tidy(() => { tf.matMul(dy3.reshape([N, C]), tf.ones([N, 1]), true, false).dataSync(); }); res.oursT = Math.min(res.oursT!, performance.now() - t0);
      tf.dispose([dy, dy2, dy3]);
    }
    console.log(s, JSON.stringify(res));
  }
}
void main();
