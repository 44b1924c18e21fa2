/**
 * The vocabulary of the model language outside the layers: top-level keys, the `train`, `augment`
 * and image-folder keys, with value kinds and ranges, defaults and one-line docs. Validation,
 * completion and hovers read it; each layer type's keys live in its registry entry
 * (`./layers/<type>.ts`).
 */
import { BUILTIN_DATASETS, OPTIMIZERS } from '../shared/modelSpec';
import { layerDef } from './layers/index';
import type { FieldDef, LayerType } from './layers/index';
import type { Locale } from './messages';

export type { FieldDef, FieldKind } from './layers/index';
export { findField } from './layers/index';


export const TOP_LEVEL_FIELDS: readonly FieldDef[] = [
  { key: 'name', kind: 'string', default: 'model', doc: 'Name of the model, used for runs and the summary.', docKo: '모델 이름. 학습 실행 기록과 요약에 쓰입니다.' },
  { key: 'dataset', kind: 'enum', values: BUILTIN_DATASETS, required: true, doc: 'A built-in data set (`mnist`, `fashion-mnist`, `cifar10`, `shapes`) or an image folder: `{ folder: ./images, imageSize: [32, 32], testSplit: 0.2 }`.', docKo: '내장 데이터셋(`mnist`, `fashion-mnist`, `cifar10`, `shapes`) 또는 이미지 폴더: `{ folder: ./images, imageSize: [32, 32], testSplit: 0.2 }`.' },
  { key: 'grayscale', kind: 'bool', default: 'false', doc: 'Convert colour images to one channel before training: the first conv then needs a third of the weights.', docKo: '학습 전에 컬러 이미지를 채널 하나(흑백)로 바꿉니다. 그러면 첫 합성곱 층의 가중치가 3분의 1로 줄어듭니다.' },
  { key: 'input', kind: 'pair', doc: 'Input shape `[height, width, channels]`; inferred from the data set when omitted, and must agree with it when given.', docKo: '입력 형태 `[높이, 너비, 채널]`. 생략하면 데이터셋에서 추론하고, 쓰면 데이터셋과 일치해야 합니다.' },
  { key: 'classes', kind: 'int', min: 2, max: 100_000, doc: 'Number of classes of an image-folder data set (built-in data sets know theirs).', docKo: '이미지 폴더 데이터셋의 클래스 수(내장 데이터셋은 자동으로 압니다).' },
  { key: 'layers', kind: 'string', required: true, doc: 'The layers, in order: a list of single-key maps such as `- conv2d: { filters: 32, kernel: 3 }`.', docKo: '층 목록(순서대로): `- conv2d: { filters: 32, kernel: 3 }`처럼 키가 하나인 맵의 목록.' },
  { key: 'train', kind: 'string', doc: 'How to train: epochs, batchSize, optimizer, learningRate, validationSplit, seed, augment.', docKo: '학습 설정: epochs, batchSize, optimizer, learningRate, validationSplit, seed, augment.' },
];

export const TRAIN_FIELDS: readonly FieldDef[] = [
  { key: 'epochs', kind: 'int', default: '10', min: 1, max: 1_000_000, doc: 'Passes over the training set.', docKo: '학습 데이터 전체를 도는 횟수(에포크).' },
  { key: 'batchSize', kind: 'int', default: '32', min: 1, max: 1_000_000, aliases: ['batch_size'], doc: 'Samples per gradient step.', docKo: '경사 하강 한 단계에 쓰는 샘플 수(배치 크기).' },
  { key: 'optimizer', kind: 'enum', values: OPTIMIZERS, default: 'adam', doc: 'Optimisation algorithm.', docKo: '최적화 알고리즘(옵티마이저).' },
  { key: 'learningRate', kind: 'number', default: '0.001', min: 0, minExclusive: true, max: 10, aliases: ['learning_rate'], doc: 'Step size of the optimizer.', docKo: '옵티마이저의 학습률.' },
  { key: 'validationSplit', kind: 'number', default: '0.1', min: 0, max: 1, maxExclusive: true, aliases: ['validation_split'], doc: 'Fraction of the training set held out for validation, in [0, 1).', docKo: '검증용으로 떼어 둘 학습 데이터의 비율, [0, 1) 범위.' },
  { key: 'seed', kind: 'int', default: '42', min: 0, max: 2 ** 31 - 1, doc: 'Seeds weight initialisation, shuffling, the validation split and augmentation.', docKo: '가중치 초기화, 셔플, 검증 데이터 분할, 데이터 증강에 쓰는 시드.' },
  { key: 'augment', kind: 'string', doc: 'Training-time augmentation: `{ flipHorizontal: true, shift: 0.1 }`.', docKo: '학습 중 데이터 증강: `{ flipHorizontal: true, shift: 0.1 }`.' },
];

export const AUGMENT_FIELDS: readonly FieldDef[] = [
  { key: 'flipHorizontal', kind: 'bool', default: 'false', doc: 'Random left-right flips.', docKo: '무작위 좌우 뒤집기.' },
  { key: 'shift', kind: 'number', default: '0', min: 0, max: 1, maxExclusive: true, doc: 'Random translation by up to this fraction of width/height.', docKo: '너비/높이의 이 비율까지 무작위로 평행 이동합니다.' },
];

export const FOLDER_FIELDS: readonly FieldDef[] = [
  { key: 'folder', kind: 'string', required: true, doc: 'Folder with one sub-folder of PNG/JPEG images per class, relative to this file.', docKo: '클래스마다 PNG/JPEG 이미지 하위 폴더가 하나씩 있는 폴더(이 파일 기준 상대 경로).' },
  { key: 'imageSize', kind: 'pair', default: '[32, 32]', min: 1, max: 4096, doc: '`[height, width]` every image is resized to.', docKo: '모든 이미지를 맞출 크기 `[높이, 너비]`.' },
  { key: 'testSplit', kind: 'number', default: '0.2', min: 0, minExclusive: true, max: 1, maxExclusive: true, doc: 'Fraction of each class held out as the test set.', docKo: '클래스마다 테스트 세트로 떼어 둘 비율.' },
];

/** A field's one-line doc in `locale`. */
export function fieldDoc(locale: Locale, f: FieldDef): string {
  return locale === 'ko' ? f.docKo : f.doc;
}

/** A layer type's one-line doc in `locale`. */
export function layerDoc(locale: Locale, type: LayerType): string {
  const d = layerDef(type).docs;
  return locale === 'ko' ? d.ko : d.en;
}
