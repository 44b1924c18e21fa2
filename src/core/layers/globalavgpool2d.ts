/** `globalavgpool2d`: Keras `GlobalAveragePooling2D`. */
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { GLOBAL_POOL_TRAITS, inferGlobalPool, kerasGlobalPoolFields } from './pooling';
import { CHANNELS_LAST } from './kerasArgs';

export type GlobalAvgPool2DLayer = LayerSpecCommon<'globalavgpool2d'>;

export const globalavgpool2d = defineLayer<GlobalAvgPool2DLayer>({
  type: 'globalavgpool2d',
  keras: {
    className: 'GlobalAveragePooling2D',
    name: 'global_average_pooling2d',
    config: () => ({ ...CHANNELS_LAST, keepdims: false }),
    fromConfig: kerasGlobalPoolFields,
  },
  docs: {
    en: 'Global average pooling (Keras `GlobalAveragePooling2D`): one average per channel; replaces `flatten` with far fewer features.',
    ko: '전역 평균 풀링(Keras `GlobalAveragePooling2D`): 채널마다 평균 하나를 냅니다. `flatten` 대신 쓰면 특징 수가 훨씬 적습니다.',
  },
  fields: [],
  aliases: ['globalaveragepooling2d', 'globalavgpool'],
  example: '`globalavgpool2d: {}`',
  snippet: 'globalavgpool2d: {}',
  traits: GLOBAL_POOL_TRAITS,
  build: () => ({}),
  infer: inferGlobalPool,
});
