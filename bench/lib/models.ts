import * as tf from '@tensorflow/tfjs';

/**
 * The Keras example `examples/vision/mnist_convnet.py` (34,826 parameters), uncompiled, as built
 * directly with tfjs layers by the kernel-level benchmarks (the trainer-level ones use
 * examples/mnist-keras-example.cnn.yaml instead).
 */
export function kerasMnistConvnet(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}
