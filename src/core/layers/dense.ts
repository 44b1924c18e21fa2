/** `dense`: Keras `Dense`. */
import { ACTIVATIONS } from '../../shared/modelSpec';
import type { Activation } from '../../shared/modelSpec';
import { t } from '../messages';
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { ACTIVATION_FIELD, USE_BIAS_FIELD } from './fields';
import { channelsOf, fail, formatShape, ok, weightsFormula } from './geometry';
import { kerasActivation } from './kerasArgs';

export interface DenseLayer extends LayerSpecCommon<'dense'> {
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
}

export const dense = defineLayer<DenseLayer>({
  type: 'dense',
  keras: {
    className: 'Dense',
    name: 'dense',
    config: (l) => ({ units: l.units, activation: kerasActivation(l.activation), use_bias: l.useBias }),
    fromConfig: (r) => {
      r.none('kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint', 'lora_rank', 'quantization_config');
      r.initializer('kernel_initializer', 'GlorotUniform');
      r.initializer('bias_initializer', 'Zeros');
      return { units: r.int('units'), activation: r.activation(), useBias: r.bool('use_bias', true) };
    },
    weights: (l, input) => [
      { name: 'kernel', shape: [channelsOf(input), l.units], trainable: true },
      ...(l.useBias ? [{ name: 'bias', shape: [l.units], trainable: true }] : []),
    ],
  },
  docs: {
    en: 'Fully connected layer (Keras `Dense`): every output unit sees every input value.',
    ko: '완전연결층(Keras `Dense`): 모든 출력 유닛이 모든 입력 값과 연결됩니다.',
  },
  fields: [
    { key: 'units', kind: 'int', required: true, min: 1, max: 10_000_000, doc: 'Number of output units (neurons).', docKo: '출력 유닛(뉴런) 개수.' },
    ACTIVATION_FIELD, USE_BIAS_FIELD,
  ],
  aliases: ['linear', 'fc'],
  example: '`dense: { units: 10, activation: softmax }`',
  snippet: 'dense: { units: ${1:64}, activation: ${2|relu,softmax,linear,sigmoid,tanh|} }',
  traits: { kind: 'dense', spatial: false, hasWeights: true, passThrough: false },
  build: (r) => ({ units: r.number('units', 1), activation: r.choice('activation', ACTIVATIONS, 'linear'), useBias: r.bool('useBias', true) }),
  // Parameters in·units (+ units biases); MACs in·units. Needs a vector: CNN Lab, like the course,
  // asks for an explicit flatten rather than Keras's dense-over-the-last-axis.
  infer: (l, input, locale) => {
    if (input.length !== 1) return fail({ code: 'missing-flatten', key: null, message: t(locale, 'shape.denseNeedsFlat', { shape: formatShape(input) }) });
    const n = channelsOf(input);
    return ok([l.units], n * l.units + (l.useBias ? l.units : 0), n * l.units);
  },
  paramFormula: (l, input, locale) => weightsFormula(locale, [channelsOf(input), l.units], l.useBias ? l.units : null),
  activationOf: (l) => l.activation,
});
