/**
 * Every user-facing string of the model language service in English and Korean (the course is
 * taught in Korean). Templates name their placeholders (`{key}`, `{value}`); `t` fills them. Code
 * identifiers (conv2d, units, padding, same/valid) stay as written in both languages. Pure data:
 * the language server picks the locale once per session from `InitializeParams.locale`.
 */
import type { BuiltinDatasetName } from '../shared/modelSpec';

export const LOCALES = ['en', 'ko'] as const;
/** Display languages the core speaks; anything else falls back to English. */
export type Locale = (typeof LOCALES)[number];

/** Options shared by analysis, hover, completion, inlay hints and lenses. */
export interface LocaleOptions {
  /** Language of messages, titles and docs; English when omitted. */
  readonly locale?: Locale;
}

/** A template per locale; placeholders are `{name}` (letters, digits, `_`). */
export interface MessageTemplate { readonly en: string; readonly ko: string }

export type MessageArgs = Readonly<Record<string, string | number>>;

const CATALOG = {
  // ---- analysis: keys and values
  'where.modelFile': { en: 'the model file', ko: '모델 파일' },
  'alias.unresolved': { en: 'alias *{alias} refers to no anchor &{alias} before it', ko: '별칭 *{alias}: 앞쪽에 해당 앵커(&{alias})가 없습니다' },
  'key.notPlain': { en: 'keys in {where} must be plain words', ko: '{where}의 키는 일반 단어여야 합니다' },
  'key.unknownSuggest': { en: 'unknown key "{name}" in {where}; did you mean "{suggestion}"?', ko: '{where}에서 알 수 없는 키입니다: "{name}". 혹시 "{suggestion}"인가요?' },
  'key.unknownList': { en: 'unknown key "{name}" in {where}; expected one of: {known}', ko: '{where}에서 알 수 없는 키입니다: "{name}". 쓸 수 있는 키: {known}' },
  'key.repeats': { en: '"{name}" repeats "{key}" in {where}', ko: '{where}에서 "{name}" 키가 "{key}" 키와 중복됩니다' },
  'key.missing': { en: '{where} needs "{key}": {doc}', ko: '{where}에 "{key}" 키가 필요합니다: {doc}' },
  'type.wrong': { en: '"{key}" must be {expected}, not {shown}', ko: '"{key}" 값은 {expected}여야 합니다(현재: {shown})' },
  'expected.wholeNumber': { en: 'a whole number', ko: '정수' },
  'expected.number': { en: 'a number', ko: '숫자' },
  'expected.text': { en: 'text', ko: '텍스트' },
  'expected.oneOf': { en: 'one of {values}', ko: '{values} 중 하나' },
  'shown.list': { en: 'a list', ko: '목록' },
  'shown.map': { en: 'a map', ko: '맵' },
  'shown.nothing': { en: 'nothing', ko: '없음' },
  'range.outside': { en: '"{key}" is {value}, outside {span}', ko: '"{key}" 값이 허용 범위({span})를 벗어났습니다(현재: {value})' },
  'int.notWhole': { en: '"{key}" must be a whole number, not {value}', ko: '"{key}" 값은 정수여야 합니다(현재: {value})' },
  'bool.expected': { en: '"{key}" must be true or false', ko: '"{key}" 값은 true 또는 false여야 합니다' },
  'enum.unknownSuggest': { en: 'unknown {key} "{value}"; did you mean "{suggestion}"?', ko: '알 수 없는 {key} 값 "{value}"입니다. 혹시 "{suggestion}"인가요?' },
  'enum.unknownList': { en: 'unknown {key} "{value}"; expected one of: {values}', ko: '알 수 없는 {key} 값 "{value}"입니다. 쓸 수 있는 값: {values}' },
  'ints.whole': { en: '"{key}" takes whole numbers', ko: '"{key}"에는 정수만 쓸 수 있습니다' },
  'ints.pair': { en: '"{key}" must be [height, width] (or one number for a square)', ko: '"{key}" 값은 [높이, 너비] 형태여야 합니다(정사각형이면 숫자 하나)' },
  'ints.triple': { en: '"{key}" must be [height, width, channels]', ko: '"{key}" 값은 [높이, 너비, 채널] 형태여야 합니다' },

  // ---- analysis: layers
  'layer.form': {
    en: 'a layer is a single-key map such as `- conv2d: { filters: 32, kernel: 3 }` or a bare type such as `- flatten`',
    ko: '층은 `- conv2d: { filters: 32, kernel: 3 }`처럼 키가 하나인 맵이거나 `- flatten`처럼 타입만 쓴 항목이어야 합니다',
  },
  'layer.unknownSuggest': { en: 'unknown layer type "{type}"; did you mean "{suggestion}"?', ko: '알 수 없는 층 타입 "{type}"입니다. 혹시 "{suggestion}"인가요?' },
  'layer.unknownList': { en: 'unknown layer type "{type}"; expected one of: {types}', ko: '알 수 없는 층 타입 "{type}"입니다. 쓸 수 있는 타입: {types}' },
  'layer.underIndented': {
    en: 'a layer is a single-key map: indent "{key}" under "{type}", or write "{type}: { ... }"',
    ko: '층은 키가 하나인 맵이어야 합니다. "{key}" 키를 "{type}" 아래로 들여쓰거나 "{type}: { ... }" 형태로 쓰세요',
  },
  'layer.paramsMap': { en: '{type} takes a map of parameters, e.g. {example}', ko: '{type}에는 파라미터 맵을 써야 합니다. 예: {example}' },
  'layer.missingKey': { en: '{type} needs "{key}": {doc} For example {example}', ko: '{type}에 "{key}" 키가 필요합니다: {doc} 예: {example}' },
  'layer.badName': {
    en: 'layer name "{name}" may only hold letters, digits, "_", ".", "-" and "/"',
    ko: '층 이름 "{name}"에는 영문자, 숫자, "_", ".", "-", "/"만 쓸 수 있습니다',
  },
  'layer.duplicateName': { en: 'layer name "{name}" is already used by layer {index}', ko: '층 이름 "{name}": 이미 {index}번째 층에서 쓰고 있는 이름입니다' },

  // ---- analysis: top level
  'dataset.wrongType': {
    en: '"dataset" must be one of {values} or a folder: { folder: ./images, imageSize: [32, 32] }',
    ko: '"dataset" 값은 {values} 중 하나이거나 폴더여야 합니다: { folder: ./images, imageSize: [32, 32] }',
  },
  'train.wrongType': { en: '"train" must be a map such as { epochs: 12, batchSize: 128 }', ko: '"train" 값은 { epochs: 12, batchSize: 128 } 같은 맵이어야 합니다' },
  'augment.wrongType': { en: '"augment" must be a map such as { flipHorizontal: true, shift: 0.1 }', ko: '"augment" 값은 { flipHorizontal: true, shift: 0.1 } 같은 맵이어야 합니다' },
  'yaml.syntax': { en: '{message}', ko: 'YAML 구문 오류: {message}' },
  'yaml.moreTokens': { en: '{message} (and {count} more unexpected tokens up to line {line})', ko: '{message} ({line}행까지 예상하지 못한 토큰 {count}개 더 있음)' },
  'yaml.warning': { en: '{message}', ko: 'YAML 경고: {message}' },
  'model.empty': {
    en: 'empty model file: add at least `dataset:` and `layers:` (see examples/mnist.cnn.yaml)',
    ko: '모델 파일이 비어 있습니다. 최소한 `dataset:`과 `layers:`를 추가하세요(examples/mnist.cnn.yaml 참고)',
  },
  'model.notMap': { en: 'a model file is a map of keys: name, dataset, layers, train, ...', ko: '모델 파일은 name, dataset, layers, train 등의 키로 이루어진 맵이어야 합니다' },
  'model.noLayers': {
    en: 'the model has no layers; add e.g. `- conv2d: { filters: 32, kernel: 3, activation: relu }`',
    ko: '모델에 층이 없습니다. 예를 들어 `- conv2d: { filters: 32, kernel: 3, activation: relu }`를 추가하세요',
  },
  'layers.notList': { en: '"layers" must be a list: one `- type: { ... }` line per layer', ko: '"layers" 값은 목록이어야 합니다. 층마다 `- type: { ... }` 한 줄씩 쓰세요' },
  'dataset.classes': {
    en: '{dataset} has {classes} classes, not {given}; "classes" is only needed for image folders',
    ko: '{dataset}의 클래스는 {given}개가 아니라 {classes}개입니다. "classes"는 이미지 폴더 데이터셋에만 필요합니다',
  },
  'input.mismatch': { en: 'input [{given}] does not match the data set: {why} [{expected}]', ko: 'input [{given}]: 데이터셋과 맞지 않습니다. {why} [{expected}]입니다' },
  'input.whyBuiltin': { en: '{dataset} gives', ko: '{dataset}의 입력 형태는' },
  'input.whyBuiltinGray': { en: '{dataset} with grayscale gives', ko: '흑백으로 변환한 {dataset}의 입력 형태는' },
  'input.whyFolder': { en: 'the image folder gives', ko: '이미지 폴더의 입력 형태는' },
  'internal.error': {
    en: 'the model file could not be analysed ({detail}); simplify the YAML around the last change',
    ko: '모델 파일을 분석하지 못했습니다({detail}). 마지막으로 고친 부분 근처의 YAML을 단순하게 바꿔 보세요',
  },

  // ---- analysis: shapes
  'shape.spatial': {
    en: '{type} needs a height×width×channels input, but gets {input}; spatial layers must come before flatten',
    ko: '{type}에는 높이×너비×채널 형태의 입력이 필요한데 들어오는 입력은 {input}입니다. 공간 층(합성곱, 풀링)은 flatten보다 앞에 와야 합니다',
  },
  'shape.flatVector': { en: 'a flat vector of {size} values', ko: '값 {size}개짜리 1차원 벡터' },
  'shape.tensor': { en: 'a {shape} tensor', ko: '{shape} 텐서' },
  'shape.convNoFit': {
    en: 'conv2d {what} {window} does not fit a {input} input with {padding} padding',
    ko: '{padding} 패딩에서는 conv2d의 {what} 크기({window})가 {input} 입력보다 큽니다',
  },
  'shape.zero': {
    en: '{type} {what} {window} shrinks a {input} input to zero size ({height}×{width}) with {padding} padding; use padding: same, a smaller pool or fewer pooling layers',
    ko: '{padding} 패딩에서 {type}의 {what} 크기({window})가 {input} 입력을 크기 0({height}×{width})으로 줄입니다. padding: same을 쓰거나, pool을 줄이거나, 풀링 층을 줄이세요',
  },
  'shape.denseNeedsFlat': {
    en: 'dense expects a flat vector, but gets a {shape} tensor; add flatten (or globalavgpool2d) before it',
    ko: 'dense에는 1차원 벡터가 들어와야 하는데 {shape} 텐서가 들어옵니다. 앞에 flatten(또는 globalavgpool2d)을 추가하세요',
  },

  // ---- analysis: model-level advice
  'output.notFlat': {
    en: 'the model ends with a {shape} tensor; a classifier must end with flatten and a dense layer of {units} units',
    ko: '모델의 마지막 출력이 {shape} 텐서입니다. 분류 모델은 flatten과 유닛 {units}개짜리 dense 층으로 끝나야 합니다',
  },
  'class.mismatchUnits': { en: 'the output layer has {units} units but the data set has {classes} classes', ko: '출력층의 유닛은 {units}개인데 데이터셋의 클래스는 {classes}개입니다' },
  'class.mismatchOutputs': {
    en: 'the model outputs {units} values but the data set has {classes} classes; end with dense: { units: {classes}, activation: softmax }',
    ko: '모델은 값 {units}개를 출력하지만 데이터셋의 클래스는 {classes}개입니다. 마지막 층을 dense: { units: {classes}, activation: softmax }로 하세요',
  },
  'output.notSoftmax': {
    en: "the output layer's activation is {activation}, not softmax; class probabilities and the categorical cross-entropy loss expect softmax",
    ko: '출력층의 활성화 함수가 softmax가 아니라 {activation}입니다. 클래스 확률과 범주형 교차 엔트로피 손실에는 softmax가 필요합니다',
  },
  'dropout.zero': { en: 'dropout with rate 0 drops nothing', ko: 'rate가 0인 드롭아웃은 아무것도 버리지 않습니다' },
  'dropout.afterOutput': {
    en: 'dropout after the output layer does nothing useful: it only zeroes class probabilities while training; place it between the flattened features and the output',
    ko: '출력층 뒤의 드롭아웃은 쓸모가 없습니다. 학습 중에 클래스 확률을 0으로 만들 뿐입니다. 평탄화한 특징과 출력층 사이에 두세요',
  },
  'dropout.stacked': {
    en: 'stacked dropout: a dropout right after another dropout only compounds the rate; use one dropout with the rate you want',
    ko: '드롭아웃이 연달아 있습니다. 드롭아웃 바로 뒤의 드롭아웃은 비율을 겹쳐 적용할 뿐이니, 원하는 비율의 드롭아웃 하나만 쓰세요',
  },
  'dropout.onFeatureMaps': {
    en: 'dropout on {shape} feature maps zeroes single pixels, which their neighbours almost repeat; the course places dropout after flatten, and spatialdropout2d drops whole feature maps instead',
    ko: '{shape} 특징 맵에 드롭아웃을 쓰면 픽셀 하나씩 0이 되는데, 이웃 픽셀이 거의 같은 값을 가지고 있습니다. 강의에서는 드롭아웃을 flatten 뒤에 두며, spatialdropout2d는 특징 맵 전체를 버립니다',
  },
  'fix.useSpatialDropout': { en: 'Change to spatialdropout2d', ko: 'spatialdropout2d로 바꾸기' },
  'dropout.suggested': {
    en: 'no dropout: the course recommends dropout (e.g. rate 0.5) between the flattened features and the output to reduce overfitting',
    ko: '드롭아웃이 없습니다. 과적합을 줄이려면 평탄화한 특징과 출력층 사이에 드롭아웃(예: rate 0.5)을 두는 것이 강의 권장 사항입니다',
  },

  // ---- quick-fix titles
  'fix.changeToQuoted': { en: 'Change to "{value}"', ko: '"{value}"(으)로 바꾸기' },
  'fix.changeTo': { en: 'Change to {value}', ko: '{value}(으)로 바꾸기' },
  'fix.setClasses': { en: 'Set classes to {value}', ko: 'classes를 {value}(으)로 설정' },
  'fix.setInput': { en: 'Set input to [{value}]', ko: 'input을 [{value}](으)로 설정' },
  'fix.setUnits': { en: 'Set units to {value}', ko: 'units를 {value}(으)로 설정' },
  'fix.insertFlatten': { en: 'Insert flatten before this layer', ko: '이 층 앞에 flatten 넣기' },
  'fix.insertFlattenBeforeDropout': { en: 'Insert flatten before the dropout', ko: '드롭아웃 앞에 flatten 넣기' },
  'fix.addFlattenDense': { en: 'Add flatten and a dense output of {units} units', ko: 'flatten과 유닛 {units}개짜리 dense 출력층 추가' },
  'fix.usePaddingSame': { en: 'Use padding: same (output {shape})', ko: 'padding: same 사용(출력 {shape})' },
  'fix.useWindow': { en: 'Use {key}: {value}, the largest that fits', ko: '들어가는 가장 큰 {key}: {value} 사용' },
  'fix.useSoftmax': { en: 'Use softmax', ko: 'softmax 사용' },
  'fix.addSoftmax': { en: 'Add activation: softmax', ko: 'activation: softmax 추가' },
  'fix.removeDropout': { en: 'Remove this dropout', ko: '이 드롭아웃 제거' },
  'fix.moveDropout': { en: 'Move this dropout before the output layer', ko: '이 드롭아웃을 출력층 앞으로 옮기기' },
  'fix.insertDropout': { en: 'Insert dropout 0.5 after flatten', ko: 'flatten 뒤에 dropout 0.5 넣기' },

  // ---- hover
  'hover.unknownLayer': { en: 'Unknown layer type `{type}`.', ko: '알 수 없는 층 타입 `{type}`입니다.' },
  'hover.default': { en: '{doc} Default: `{value}`.', ko: '{doc} 기본값: `{value}`.' },
  'hover.input': { en: 'Input', ko: '입력' },
  'hover.output': { en: 'Output', ko: '출력' },
  'hover.parameters': { en: 'Parameters', ko: '파라미터' },
  'hover.nonTrainable': { en: 'Non-trainable', ko: '학습되지 않는 파라미터' },
  'hover.macs': { en: 'MACs per sample', ko: '샘플당 MAC' },
  'hover.weightsBiases': { en: ' = {weights} weights + {biases} biases', ko: ' = 가중치 {weights} + 편향 {biases}' },
  'hover.weights': { en: ' = {weights} weights', ko: ' = 가중치 {weights}' },
  'hover.separable': { en: ' = {depthwise} depthwise + {pointwise} pointwise weights', ko: ' = 깊이별 가중치 {depthwise} + 점별 가중치 {pointwise}' },
  'hover.separableBiases': {
    en: ' = {depthwise} depthwise + {pointwise} pointwise weights + {biases} biases',
    ko: ' = 깊이별 가중치 {depthwise} + 점별 가중치 {pointwise} + 편향 {biases}',
  },
  'hover.batchnorm': {
    en: ' = 4·{channels} (gamma, beta trainable; moving mean and variance not)',
    ko: ' = 4·{channels} (gamma, beta는 학습되고 이동 평균과 이동 분산은 학습되지 않음)',
  },
  'hover.colour': {
    en: '**Colour input:** each of the {filters} filters has one {kernel} slice per channel (R, G, B), so this layer has {params} parameters; on grayscale input (`grayscale: true`) it would have {grayParams} — colour triples the weights.',
    ko: '**컬러 입력:** 필터 {filters}개가 각각 채널(R, G, B)마다 {kernel} 조각을 하나씩 가지므로 이 층의 파라미터는 {params}개입니다. 흑백 입력(`grayscale: true`)이라면 {grayParams}개이니, 컬러는 가중치를 세 배로 늘립니다.',
  },
  'hover.grayscale': {
    en: '**Grayscale input:** one {kernel} slice per filter gives {grayParams} parameters; on the colour images (`grayscale: false`) each filter needs a slice per channel (R, G, B): {params} parameters, three times the weights.',
    ko: '**흑백 입력:** 필터마다 {kernel} 조각 하나씩이라 파라미터는 {grayParams}개입니다. 컬러 이미지(`grayscale: false`)에서는 필터마다 채널(R, G, B)별 조각이 필요해 파라미터가 {params}개, 가중치가 세 배가 됩니다.',
  },
  'hover.poolNoMacs': { en: 'Pooling has no weights and counts as 0 MACs (comparisons/additions only).', ko: '풀링에는 가중치가 없어 MAC은 0으로 셉니다(비교와 덧셈만 함).' },
  'hover.shapeUnknown': {
    en: '_Output shape unknown: fix the problems reported on this or an earlier layer._',
    ko: '_출력 형태를 알 수 없습니다. 이 층이나 앞쪽 층에 표시된 문제를 고치세요._',
  },
  'hover.layersTotals': { en: '{layers} layers, {params} parameters, {macs} MACs per sample.', ko: '층 {layers}개, 파라미터 {params}개, 샘플당 MAC {macs}.' },
  'hover.dataset': {
    en: '**{title}** — {description}\n\nInput {shape}, {classes} classes, {train} training / {test} test images.',
    ko: '**{title}** — {description}\n\n입력 {shape}, 클래스 {classes}개, 학습 이미지 {train}장 / 테스트 이미지 {test}장.',
  },

  // ---- inlay hints
  'hint.input': { en: ' input {shape}', ko: ' 입력 {shape}' },
  'hint.classes': { en: ' · {classes} classes', ko: ' · 클래스 {classes}개' },
  'hint.params': { en: ' · {params} params', ko: ' · 파라미터 {params}개' },
  'hint.tooltip': { en: '{name}: output {shape}, {params} parameters, {macs} MACs per sample', ko: '{name}: 출력 {shape}, 파라미터 {params}개, 샘플당 MAC {macs}' },

  // ---- CodeLens
  'lens.errorsOne': { en: '$(error) {count} error: fix to see totals and train', ko: '$(error) 오류 {count}개: 고치면 합계를 보고 학습할 수 있습니다' },
  'lens.errorsMany': { en: '$(error) {count} errors: fix to see totals and train', ko: '$(error) 오류 {count}개: 고치면 합계를 보고 학습할 수 있습니다' },
  'lens.totals': { en: '{params} params · {macs} MACs', ko: '파라미터 {params}개 · MAC {macs}' },
  'lens.totalsTooltip': {
    en: '{trainable} trainable, {nonTrainable} non-trainable; {macs} multiply-accumulates per sample',
    ko: '학습 파라미터 {trainable}개, 비학습 파라미터 {nonTrainable}개, 샘플당 곱셈-누산 {macs}회',
  },
  'lens.train': { en: '$(play) Train', ko: '$(play) 학습' },
  'lens.trainTooltip': { en: 'Train this model in a background process', ko: '이 모델을 백그라운드 프로세스에서 학습합니다' },
  'lens.summary': { en: 'Summary', ko: '요약' },
  'lens.summaryTooltip': { en: 'Show the Keras-style summary table', ko: 'Keras 스타일 요약 표를 봅니다' },

  // ---- completion
  'completion.layer': { en: 'layer', ko: '층' },
  'completion.required': { en: 'required', ko: '필수' },
  'completion.default': { en: 'default {value}', ko: '기본값 {value}' },
  'completion.paddingSame': { en: 'Pad so the output is ceil(input / stride).', ko: '출력이 ceil(입력 / stride)가 되도록 패딩합니다.' },
  'completion.paddingValid': { en: 'No padding: the output shrinks by kernel − 1.', ko: '패딩 없음: 출력이 kernel − 1만큼 줄어듭니다.' },
  'completion.folder': { en: 'An image folder with one sub-folder per class.', ko: '클래스마다 하위 폴더가 하나씩 있는 이미지 폴더.' },
} as const satisfies Readonly<Record<string, MessageTemplate>>;

export type MessageId = keyof typeof CATALOG;

/** The whole catalog, for tests and tools. */
export const MESSAGES: Readonly<Record<MessageId, MessageTemplate>> = CATALOG;

const PLACEHOLDER = /\{(\w+)\}/g;

/** Placeholder names of a template, in order of appearance (repeats kept). */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** Templates split once into literal text (even indices) and placeholder names (odd indices): hints run t per layer per keystroke. */
const compiled = new Map<string, readonly string[]>();

function parts(template: string): readonly string[] {
  let p = compiled.get(template);
  if (p === undefined) {
    p = template.split(PLACEHOLDER);
    compiled.set(template, p);
  }
  return p;
}

/** The message `id` in `locale` with its placeholders filled; a placeholder with no argument stays as written. */
export function t(locale: Locale, id: MessageId, args?: MessageArgs): string {
  const template = CATALOG[id][locale];
  if (args === undefined) return template;
  const p = parts(template);
  let out = p[0] ?? '';
  for (let i = 1; i < p.length; i += 2) {
    const name = p[i] ?? '';
    const v = args[name];
    out += (v === undefined ? `{${name}}` : String(v)) + (p[i + 1] ?? '');
  }
  return out;
}

/**
 * The core's locale for a client's display language (`ko`, `ko-KR`, `en-US`, ...): Korean for any
 * `ko` tag, English for everything else (unknown languages included).
 */
export function resolveLocale(language: unknown): Locale {
  return typeof language === 'string' && /^ko(?:[-_]|$)/i.test(language.trim()) ? 'ko' : 'en';
}

// ---- docs: built-in data sets (layer docs live in each layer's registry entry, field docs next to each field)

/** Korean titles and descriptions of the built-in data sets (English in `src/shared/datasets.ts`). */
export const DATASET_TEXT_KO: Readonly<Record<BuiltinDatasetName, { readonly title: string; readonly description: string }>> = {
  mnist: {
    title: 'MNIST 손글씨 숫자',
    description: '28×28 흑백 숫자 0–9, 공식 학습 60,000개 / 테스트 10,000개. 설정된 미러에서 내려받으며, 오프라인이면 CNN Lab에 들어 있는 전체 MNIST 사본(내용 SHA-256 검증)을 씁니다.',
  },
  'fashion-mnist': {
    title: 'Fashion-MNIST',
    description: '10개 클래스의 28×28 흑백 의류 이미지. Debian의 dataset-fashion-mnist가 설치되어 있으면 /usr/share/datasets/fashion-mnist에서 읽고, 없으면 내려받습니다.',
  },
  cifar10: {
    title: 'CIFAR-10',
    description: '10개 클래스의 32×32 컬러 사진(바이너리 버전, 162 MB 다운로드).',
  },
  shapes: {
    title: '컬러 도형(생성)',
    description: '잡음 섞인 배경 위에 빨강, 초록, 파랑 원·사각형·삼각형을 그린 32×32 컬러 이미지. 색과 모양을 모두 봐야 하는 9개 클래스이며, 시드로 로컬에서 생성합니다.',
  },
};
