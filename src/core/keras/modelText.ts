/**
 * Writes a model file from its parts, the way the examples are written: one flow map per layer
 * with only the keys that differ from their defaults, the `train` block on one line with only the
 * keys that differ from DEFAULT_TRAIN (none at all when it is the default). Used by the
 * Keras and TensorFlow.js import, so that an exported model comes back as the same spec.
 */
import { DEFAULT_TRAIN, type DatasetSpec, type TrainSpec } from '../../shared/modelSpec';
import type { FieldReader } from '../layers/def';
import { layerDef, layerFields, type LayerSpec } from '../layers/index';

/** What a model file says. */
export interface ModelFileParts {
  /** Comment lines at the top, without `# `. */
  readonly header: readonly string[];
  readonly name: string;
  readonly dataset: DatasetSpec;
  readonly grayscale: boolean;
  /** Written as `input:` when not null (it differs from what the data set gives). */
  readonly input: readonly [number, number, number] | null;
  readonly layers: readonly LayerSpec[];
  readonly train: TrainSpec;
}

/** A plain string when YAML reads it back as the same string, else a JSON (double-quoted) one. */
export function yamlString(s: string): string {
  const plain = /^[A-Za-z_./][\w./-]*$/.test(s) && !/^(true|false|null|yes|no|on|off|~)$/i.test(s);
  return plain ? s : JSON.stringify(s);
}

type Value = number | boolean | string | readonly [number, number];

function yamlValue(v: Value): string {
  if (typeof v === 'string') return yamlString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return v[0] === v[1] ? String(v[0]) : `[${v[0]}, ${v[1]}]`;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A FieldReader over plain values: a missing key gives the default, as in a model file. */
function readerOver(values: Readonly<Record<string, unknown>>): FieldReader {
  const get = <T>(key: string, fallback: T): T => (key in values ? (values[key] as T) : fallback);
  return {
    number: (key, fallback) => get(key, fallback),
    pair: (key, fallback) => get(key, fallback),
    choice: (key, _values, fallback) => get(key, fallback),
    bool: (key, fallback) => get(key, fallback),
  };
}

/**
 * The keys to write for a layer: its required fields, and each other field unless the layer builds
 * the same without it (a default, or a default that follows another key, as pooling strides
 * follow the pool).
 */
function layerEntries(l: LayerSpec): [string, Value][] {
  const def = layerDef(l.type);
  const all = l as unknown as Readonly<Record<string, unknown>>;
  const kept: Record<string, unknown> = {};
  for (const f of def.fields) if (f.key in all) kept[f.key] = all[f.key];
  const full = def.build(readerOver(kept));
  for (const f of def.fields) {
    if (!(f.key in kept) || f.required === true) continue;
    const { [f.key]: _dropped, ...without } = kept;
    if (same(def.build(readerOver(without)), full)) delete kept[f.key];
  }
  const entries = layerFields(l.type).filter((f) => f.key in kept).map((f) => [f.key, kept[f.key] as Value] as [string, Value]);
  if (l.name !== undefined) entries.push(['name', l.name]);
  return entries;
}

/** `- conv2d: { filters: 32, kernel: 3 }`; `- activation: relu` for a layer whose one key is its type. */
export function layerLine(l: LayerSpec): string {
  const entries = layerEntries(l);
  const only = entries[0];
  if (entries.length === 1 && only !== undefined && only[0] === l.type) return `- ${l.type}: ${yamlValue(only[1])}`;
  return `- ${l.type}: { ${entries.map(([k, v]) => `${k}: ${yamlValue(v)}`).join(', ')} }`.replace('{  }', '{}');
}

function datasetText(d: DatasetSpec): string {
  if (d.kind === 'builtin') return d.name;
  return `{ folder: ${yamlString(d.path)}, imageSize: [${d.imageSize[0]}, ${d.imageSize[1]}], testSplit: ${d.testSplit} }`;
}

/** The `train` block's keys that differ from DEFAULT_TRAIN, on one line; null when every one is the default. */
function trainText(t: TrainSpec): string | null {
  const d = DEFAULT_TRAIN;
  const parts = [
    ...(t.epochs !== d.epochs ? [`epochs: ${t.epochs}`] : []),
    ...(t.batchSize !== d.batchSize ? [`batchSize: ${t.batchSize}`] : []),
    ...(t.optimizer !== d.optimizer ? [`optimizer: ${t.optimizer}`] : []),
    ...(t.learningRate !== d.learningRate ? [`learningRate: ${t.learningRate}`] : []),
    ...(t.validationSplit !== d.validationSplit ? [`validationSplit: ${t.validationSplit}`] : []),
    ...(t.seed !== d.seed ? [`seed: ${t.seed}`] : []),
  ];
  const augment: string[] = [];
  if (t.augment.flipHorizontal !== d.augment.flipHorizontal) augment.push(`flipHorizontal: ${t.augment.flipHorizontal}`);
  if (t.augment.shift !== d.augment.shift) augment.push(`shift: ${t.augment.shift}`);
  if (augment.length > 0) parts.push(`augment: { ${augment.join(', ')} }`);
  return parts.length > 0 ? `{ ${parts.join(', ')} }` : null;
}

/** The model file's text. */
export function modelFileText(p: ModelFileParts): string {
  const lines = [
    ...p.header.map((h) => `# ${h}`.trimEnd()),
    `name: ${yamlString(p.name)}`,
    `dataset: ${datasetText(p.dataset)}`,
    ...(p.grayscale ? ['grayscale: true'] : []),
    ...(p.input !== null ? [`input: [${p.input.join(', ')}]`] : []),
    'layers:',
    ...p.layers.map((l) => `  ${layerLine(l)}`),
    ...(trainText(p.train) !== null ? [`train: ${trainText(p.train)}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
