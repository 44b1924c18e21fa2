/**
 * What the direct step runs of a conv2d or dense layer's own activation: linear and ReLU (ReLU
 * and `ReluGrad` are part of the layer's pass), and softmax on the output layer, where it is part
 * of the loss (the layer's pass gives the logits).
 */
import type { Activation } from '../../shared/modelSpec';

/** Why the direct step cannot run `activation` at the end of a `type` layer, or null. */
export function activationOnDirectStep(type: string, activation: Activation, output: boolean): string | null {
  if (activation === 'linear' || activation === 'relu') return null;
  if (activation === 'softmax' && output) return null;
  return `${type} with activation ${activation}${activation === 'softmax' ? ' before the last layer' : ''}`;
}
