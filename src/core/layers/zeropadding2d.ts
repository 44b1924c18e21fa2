/** `zeropadding2d`: Keras `ZeroPadding2D`. */
import type { Pair } from '../../shared/modelSpec';
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { channelsOf, fail, needsSpatial, ok } from './geometry';
import { CHANNELS_LAST } from './kerasArgs';

export interface ZeroPadding2DLayer extends LayerSpecCommon<'zeropadding2d'> {
  /** Rows added above and below, columns added left and right. Default [1, 1]. */
  readonly padding: Pair;
}

export const zeropadding2d = defineLayer<ZeroPadding2DLayer>({
  type: 'zeropadding2d',
  keras: {
    className: 'ZeroPadding2D',
    name: 'zero_padding2d',
    config: (l) => ({ padding: [[l.padding[0], l.padding[0]], [l.padding[1], l.padding[1]]], ...CHANNELS_LAST }),
    // Keras takes `1`, `[rows, columns]` or `[[top, bottom], [left, right]]`; the language pads both sides alike.
    fromConfig: (r) => {
      r.expect('data_format', 'channels_last');
      const v = r.raw('padding') ?? 1;
      const whole = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;
      if (whole(v)) return { padding: [v, v] };
      if (Array.isArray(v) && v.length === 2 && v.every(whole)) return { padding: [v[0] as number, v[1] as number] };
      if (Array.isArray(v) && v.length === 2 && v.every((s) => Array.isArray(s) && s.length === 2 && s.every(whole))) {
        const [[top, bottom], [left, right]] = v as [[number, number], [number, number]];
        if (top === bottom && left === right) return { padding: [top, left] };
        return r.refuse('padding', `padding ${JSON.stringify(v)} pads unevenly (top ${top}, bottom ${bottom}, left ${left}, right ${right}); CNN Lab's zeropadding2d adds the same rows above and below and the same columns left and right.`);
      }
      return r.refuse('padding', `padding ${JSON.stringify(v)} is not a padding of 2-D feature maps.`);
    },
  },
  docs: {
    en: 'Zero padding (Keras `ZeroPadding2D`): adds rows of zeros above and below and columns left and right, e.g. so that a `valid` convolution keeps the size.',
    ko: '제로 패딩(Keras `ZeroPadding2D`): 위아래에 0으로 된 행을, 좌우에 0으로 된 열을 덧붙입니다. 예를 들어 `valid` 합성곱이 크기를 유지하게 할 때 씁니다.',
  },
  fields: [
    { key: 'padding', kind: 'pair', default: '1', min: 0, max: 10_000, doc: 'Zeros added on each side: `1`, or `[rows, columns]` (rows above and below, columns left and right).', docKo: '양쪽에 덧붙일 0의 수: `1` 또는 `[행, 열]`(행은 위아래, 열은 좌우에).' },
  ],
  aliases: ['zeropad2d', 'zeropadding'],
  shorthand: 'padding',
  example: '`zeropadding2d: { padding: 1 }`',
  snippet: 'zeropadding2d: { padding: ${1:1} }',
  traits: { kind: 'padding', spatial: true, hasWeights: false, passThrough: false },
  build: (r) => ({ padding: r.pair('padding', [1, 1]) }),
  infer: (l, input, locale) => {
    const e = needsSpatial(l.type, input, locale);
    if (e) return fail(e);
    return ok([(input[0] ?? 0) + 2 * l.padding[0], (input[1] ?? 0) + 2 * l.padding[1], channelsOf(input)], 0, 0);
  },
});
