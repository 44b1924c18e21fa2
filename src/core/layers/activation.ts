/** `activation`: Keras `Activation`. */
import { ACTIVATIONS } from '../../shared/modelSpec';
import type { Activation } from '../../shared/modelSpec';
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { ACTIVATION_FIELD } from './fields';
import { ok } from './geometry';
import { kerasActivation } from './kerasArgs';

export interface ActivationLayer extends LayerSpecCommon<'activation'> {
  readonly activation: Activation;
}

export const activation = defineLayer<ActivationLayer>({
  type: 'activation',
  keras: {
    className: 'Activation',
    name: 'activation',
    config: (l) => ({ activation: kerasActivation(l.activation) }),
    // The fallback of the class: Activation('gelu') and Activation('silu') are gelu and swish layers.
    fromConfig: (r) => ({ activation: r.activation() }),
  },
  docs: {
    en: 'Activation layer (Keras `Activation`): applies a function element-wise. Shorthand: `- activation: relu`.',
    ko: '활성화 층(Keras `Activation`): 원소마다 함수를 적용합니다. 줄여서 `- activation: relu`로 쓸 수 있습니다.',
  },
  fields: [{ ...ACTIVATION_FIELD, required: true, default: undefined }],
  aliases: ['relu'],
  shorthand: 'activation',
  example: '`activation: relu`',
  snippet: 'activation: ${1|relu,elu,tanh,sigmoid,softmax|}',
  traits: { kind: 'activation', spatial: false, hasWeights: false, passThrough: false },
  build: (r) => ({ activation: r.choice('activation', ACTIVATIONS, 'linear') }),
  infer: (_l, input) => ok(input, 0, 0),
  activationOf: (l) => l.activation,
});
