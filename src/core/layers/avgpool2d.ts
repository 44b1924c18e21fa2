/** `avgpool2d`: Keras `AveragePooling2D`. */
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { buildPool, inferPool, kerasPoolFields, POOL_FIELDS, POOL_TRAITS } from './pooling';
import type { PoolFields } from './pooling';
import { CHANNELS_LAST, kerasPair } from './kerasArgs';

export interface AvgPool2DLayer extends LayerSpecCommon<'avgpool2d'>, PoolFields {}

export const avgpool2d = defineLayer<AvgPool2DLayer>({
  type: 'avgpool2d',
  keras: {
    className: 'AveragePooling2D',
    name: 'average_pooling2d',
    config: (l) => ({ pool_size: kerasPair(l.pool), strides: kerasPair(l.strides), padding: l.padding, ...CHANNELS_LAST }),
    fromConfig: kerasPoolFields,
  },
  docs: {
    en: 'Average pooling (Keras `AveragePooling2D`): averages each window.',
    ko: '평균 풀링(Keras `AveragePooling2D`): 각 창의 평균을 냅니다.',
  },
  fields: POOL_FIELDS,
  aliases: ['averagepooling2d', 'avgpool'],
  example: '`avgpool2d: { pool: 2 }`',
  snippet: 'avgpool2d: { pool: ${1:2} }',
  traits: POOL_TRAITS,
  build: buildPool,
  infer: inferPool,
});
