/** `globalmaxpool2d`: Keras `GlobalMaxPooling2D`. */
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { GLOBAL_POOL_TRAITS, inferGlobalPool, kerasGlobalPoolFields } from './pooling';
import { CHANNELS_LAST } from './kerasArgs';

export type GlobalMaxPool2DLayer = LayerSpecCommon<'globalmaxpool2d'>;

export const globalmaxpool2d = defineLayer<GlobalMaxPool2DLayer>({
  type: 'globalmaxpool2d',
  keras: {
    className: 'GlobalMaxPooling2D',
    name: 'global_max_pooling2d',
    config: () => ({ ...CHANNELS_LAST, keepdims: false }),
    fromConfig: kerasGlobalPoolFields,
  },
  docs: {
    en: 'Global max pooling (Keras `GlobalMaxPooling2D`): the largest value of each channel, wherever it is in the image; replaces `flatten`.',
    ko: '전역 최대 풀링(Keras `GlobalMaxPooling2D`): 채널마다 이미지 어디에 있든 가장 큰 값 하나를 냅니다. `flatten` 대신 씁니다.',
  },
  fields: [],
  aliases: ['globalmaxpooling2d', 'globalmaxpool'],
  example: '`globalmaxpool2d: {}`',
  snippet: 'globalmaxpool2d: {}',
  traits: GLOBAL_POOL_TRAITS,
  build: () => ({}),
  infer: inferGlobalPool,
});
