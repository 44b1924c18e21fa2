/** `maxpool2d`: Keras `MaxPooling2D`. */
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { buildPool, inferPool, kerasPoolFields, POOL_FIELDS, POOL_TRAITS } from './pooling';
import type { PoolFields } from './pooling';
import { CHANNELS_LAST, kerasPair } from './kerasArgs';

export interface MaxPool2DLayer extends LayerSpecCommon<'maxpool2d'>, PoolFields {}

export const maxpool2d = defineLayer<MaxPool2DLayer>({
  type: 'maxpool2d',
  keras: {
    className: 'MaxPooling2D',
    name: 'max_pooling2d',
    config: (l) => ({ pool_size: kerasPair(l.pool), strides: kerasPair(l.strides), padding: l.padding, ...CHANNELS_LAST }),
    fromConfig: kerasPoolFields,
  },
  docs: {
    en: 'Max pooling (Keras `MaxPooling2D`): keeps the largest value of each window; halves height and width with the default `pool: 2`.',
    ko: '최대 풀링(Keras `MaxPooling2D`): 각 창에서 가장 큰 값만 남깁니다. 기본값 `pool: 2`이면 높이와 너비가 절반이 됩니다.',
  },
  fields: POOL_FIELDS,
  aliases: ['maxpooling2d', 'maxpool'],
  example: '`maxpool2d: { pool: 2 }`',
  snippet: 'maxpool2d: { pool: ${1:2} }',
  traits: POOL_TRAITS,
  build: buildPool,
  infer: inferPool,
});
