import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { loadTensorflowBackend } from '../../../src/trainer/backends/tensorflow';
async function main() {
  const intra = Number(process.argv[2]);
  await loadTensorflowBackend({ disableOnednn: process.argv[3] === 'off', threads: intra ? { intraOp: intra, interOp: intra } : undefined });
  await tf.setBackend('tensorflow');
  const x = tf.randomUniform([64, 28, 28, 8]); const w = tf.randomUniform([3, 3, 8, 16]);
  for (let i = 0; i < 5; i++) tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').dataSync();
  console.log('intra', intra || 'auto', process.argv[3], 'threads', fs.readdirSync('/proc/self/task').length);
}
void main();
