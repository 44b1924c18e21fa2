/**
 * The model language front end: YAML text → validated `TypedModelSpec` + Keras-exact summary +
 * diagnostics with exact ranges and quick fixes. Pure and total: `analyzeModelText` never throws.
 */
import { DATASETS } from '../shared/datasets';
import { BUILTIN_DATASETS, DEFAULT_TRAIN } from '../shared/modelSpec';
import type {
  AugmentSpec, BuiltinDatasetName, DatasetSpec, LayerSummary, OptimizerName, Pair, TrainSpec,
} from '../shared/modelSpec';
import {
  isLayerType, LAYER_ALIASES, LAYER_TYPES, layerDef, layerFields, outputLayerIndex,
} from './layers/index';
import type { FieldReader, LayerSpec, LayerType, TypedModelSpec } from './layers/index';
import {
  AUGMENT_FIELDS, fieldDoc, findField, FOLDER_FIELDS, TOP_LEVEL_FIELDS, TRAIN_FIELDS,
} from './schema';
import type { FieldDef } from './schema';
import { t } from './messages';
import type { Locale, LocaleOptions, MessageArgs, MessageId } from './messages';
import { formatShape, inferLayer, layerNames, summaryRow, totals } from './shapes';
import { closest } from './suggest';
import { addKeyToMap, insertLayerAfter, insertLayerBefore, removeLayer, replaceNode } from './textEdits';
import type { Analysis, CoreDiagnostic, CoreFix, DiagnosticCode, LayerNode, Range, Severity } from './types';
import {
  findPair, isAlias, isMap, isNullish, isScalar, isSeq, keyName, keyNode, SourceText, valueNode,
} from './yamlText';
import type { Pair as YamlPair, YamlNode, YAMLMap, YAMLSeq } from './yamlText';

/** Layer names TensorFlow accepts. */
const LAYER_NAME_RE = /^[A-Za-z0-9.][A-Za-z0-9_.\-/]*$/;
const DATASET_ALIASES: Readonly<Record<string, string>> = { fashion: 'fashion-mnist', cifar: 'cifar10', digits: 'mnist' };

interface Entry {
  readonly field: FieldDef;
  readonly pair: YamlPair;
  readonly key: YamlNode | null;
  /** Resolved value (aliases followed). */
  readonly value: YamlNode | null;
  /** Where to report problems with the value: the value as written, else the key. */
  readonly at: YamlNode | null;
}

class Checker {
  readonly diagnostics: CoreDiagnostic[] = [];
  errorCount = 0;

  constructor(readonly src: SourceText, readonly locale: Locale) {}

  /** A catalog message in this analysis's locale. */
  t(id: MessageId, args?: MessageArgs): string {
    return t(this.locale, id, args);
  }

  rangeOf(node: YamlNode | null): Range {
    return this.src.nodeRange(node);
  }

  report(at: YamlNode | Range | null, severity: Severity, code: DiagnosticCode, message: string, fix?: CoreFix[]): void {
    const range = at !== null && 'start' in at ? at : this.rangeOf(at);
    const d: CoreDiagnostic = { range, severity, code, message };
    if (fix && fix.length > 0) d.fix = fix;
    if (severity === 'error') this.errorCount++;
    this.diagnostics.push(d);
  }

  error(at: YamlNode | Range | null, code: DiagnosticCode, message: string, fix?: CoreFix[]): void {
    this.report(at, 'error', code, message, fix);
  }

  /** Follows an alias to its anchor's node; reports an alias with no anchor. */
  resolve(node: YamlNode | null): YamlNode | null {
    if (node === null || !isAlias(node)) return node;
    const target = node.resolve(this.src.doc);
    if (target === undefined) {
      this.error(node, 'unresolved-alias', this.t('alias.unresolved', { alias: node.source }));
      return null;
    }
    return target;
  }

  replaceFix(title: string, node: YamlNode, newText: string, preferred = true): CoreFix {
    return { title, edits: [replaceNode(this.src, node, newText)], preferred };
  }

  /** Checks a map's keys against `fields`; returns the known entries by canonical key. */
  fields(map: YAMLMap, fields: readonly FieldDef[], where: string, missingAt?: YamlNode | null): Map<string, Entry> {
    const out = new Map<string, Entry>();
    for (const pair of map.items) {
      const kn = keyNode(pair);
      const name = keyName(pair);
      if (name === null) {
        this.error(kn, 'wrong-type', this.t('key.notPlain', { where }));
        continue;
      }
      const field = findField(fields, name);
      if (!field) {
        // Suggest only keys the map lacks: renaming to a present key would make a duplicate.
        const present = new Set(map.items.map((p) => keyName(p)).flatMap((k) => (k === null ? [] : [findField(fields, k)?.key ?? k])));
        const s = closest(name, fields.map((f) => f.key).filter((k) => !present.has(k)));
        const known = fields.map((f) => f.key).join(', ');
        this.error(kn, 'unknown-key',
          s !== undefined ? this.t('key.unknownSuggest', { name, where, suggestion: s }) : this.t('key.unknownList', { name, where, known }),
          s !== undefined && kn ? [this.replaceFix(this.t('fix.changeToQuoted', { value: s }), kn, s)] : undefined);
        continue;
      }
      if (out.has(field.key)) {
        this.error(kn, 'unknown-key', this.t('key.repeats', { name, key: field.key, where }));
        continue;
      }
      const raw = valueNode(pair);
      out.set(field.key, { field, pair, key: kn, value: this.resolve(raw), at: raw ?? kn });
    }
    for (const f of fields) {
      if (f.required === true && !out.has(f.key)) {
        // On the owner's key (or the map's first key), never on the whole document.
        const first = map.items[0];
        const at = missingAt ?? (map.flow === true || !first ? map : keyNode(first));
        this.error(at, 'missing-key', this.t('key.missing', { where, key: f.key, doc: fieldDoc(this.locale, f) }));
      }
    }
    return out;
  }

  private typeError(e: Entry, expected: string): void {
    const shown = isScalar(e.value) ? JSON.stringify(e.value.value)
      : this.t(isSeq(e.value) ? 'shown.list' : isMap(e.value) ? 'shown.map' : 'shown.nothing');
    this.error(e.at, 'wrong-type', this.t('type.wrong', { key: e.field.key, expected, shown }));
  }

  private rangeError(e: Entry, v: number, code: DiagnosticCode = 'out-of-range'): boolean {
    const f = e.field;
    const low = f.min !== undefined && (f.minExclusive === true ? v <= f.min : v < f.min);
    const high = f.max !== undefined && (f.maxExclusive === true ? v >= f.max : v > f.max);
    if (!low && !high && Number.isFinite(v)) return false;
    const lo = f.min === undefined ? '' : `${f.minExclusive === true ? '(' : '['}${f.min}`;
    const hi = f.max === undefined ? '' : `${f.max}${f.maxExclusive === true ? ')' : ']'}`;
    const span = lo !== '' && hi !== '' ? `${lo}, ${hi}` : lo !== '' ? `${f.minExclusive === true ? '>' : '≥'} ${f.min ?? 0}` : `≤ ${f.max ?? 0}`;
    this.error(e.at, code, this.t('range.outside', { key: f.key, value: v, span }));
    return true;
  }

  number(e: Entry, code: DiagnosticCode = 'out-of-range'): number | undefined {
    if (!isScalar(e.value) || typeof e.value.value !== 'number') {
      this.typeError(e, this.t(e.field.kind === 'int' ? 'expected.wholeNumber' : 'expected.number'));
      return undefined;
    }
    const v = e.value.value;
    if (e.field.kind === 'int' && !Number.isInteger(v)) {
      this.error(e.at, 'wrong-type', this.t('int.notWhole', { key: e.field.key, value: v }));
      return undefined;
    }
    return this.rangeError(e, v, code) ? undefined : v;
  }

  bool(e: Entry): boolean | undefined {
    if (isScalar(e.value) && typeof e.value.value === 'boolean') return e.value.value;
    const s = isScalar(e.value) ? String(e.value.value).toLowerCase() : '';
    const guess = ['yes', 'on', 'y', '1'].includes(s) ? 'true' : ['no', 'off', 'n', '0'].includes(s) ? 'false' : undefined;
    this.error(e.at, 'wrong-type', this.t('bool.expected', { key: e.field.key }),
      guess !== undefined && e.value ? [this.replaceFix(this.t('fix.changeTo', { value: guess }), e.value, guess)] : undefined);
    return undefined;
  }

  string(e: Entry): string | undefined {
    if (isScalar(e.value) && (typeof e.value.value === 'string' || typeof e.value.value === 'number') && String(e.value.value) !== '') {
      return String(e.value.value);
    }
    this.typeError(e, this.t('expected.text'));
    return undefined;
  }

  enumValue<T extends string>(e: Entry, values: readonly T[], aliases?: Readonly<Record<string, string>>): T | undefined {
    if (!isScalar(e.value) || typeof e.value.value !== 'string') {
      this.typeError(e, this.t('expected.oneOf', { values: values.join(', ') }));
      return undefined;
    }
    const v = e.value.value;
    if ((values as readonly string[]).includes(v)) return v as T;
    const s = closest(v, values, aliases);
    this.error(e.at, 'unknown-value',
      s !== undefined
        ? this.t('enum.unknownSuggest', { key: e.field.key, value: v, suggestion: s })
        : this.t('enum.unknownList', { key: e.field.key, value: v, values: values.join(', ') }),
      s !== undefined ? [this.replaceFix(this.t('fix.changeToQuoted', { value: s }), e.value, s)] : undefined);
    return undefined;
  }

  /** `3` → [3, 3]; `[3, 5]` → [3, 5]; with `count` 3, exactly three whole numbers. */
  ints(e: Entry, count: 2 | 3): number[] | undefined {
    const f = e.field;
    const check = (n: YamlNode | null, at: YamlNode | null): number | undefined => {
      if (!isScalar(n) || typeof n.value !== 'number' || !Number.isInteger(n.value)) {
        this.error(at, 'wrong-type', this.t('ints.whole', { key: f.key }));
        return undefined;
      }
      return this.rangeError({ ...e, at }, n.value) ? undefined : n.value;
    };
    if (count === 2 && isScalar(e.value) && typeof e.value.value === 'number') {
      const v = check(e.value, e.at);
      return v === undefined ? undefined : [v, v];
    }
    if (!isSeq(e.value) || e.value.items.length !== count) {
      this.error(e.at, 'wrong-type', this.t(count === 2 ? 'ints.pair' : 'ints.triple', { key: f.key }));
      return undefined;
    }
    const out: number[] = [];
    for (const raw of e.value.items) {
      const node = raw as YamlNode | null;
      const v = check(this.resolve(node), node);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  }

  pair(e: Entry): Pair | undefined {
    const v = this.ints(e, 2);
    return v ? [v[0] ?? 1, v[1] ?? 1] : undefined;
  }
}

// ------------------------------------------------------------------ layers

interface ParsedLayer {
  node: LayerNode;
  params: YAMLMap | null;
  entries: Map<string, Entry>;
  /** The spec whose shapes are the layer's: `node.spec`, or, when only shape-neutral values are wrong, the layer with their defaults. */
  shapeSpec?: LayerSpec | null;
}

function parseLayer(c: Checker, item: YamlNode | null, raw: YamlNode | null, index: number): ParsedLayer {
  const range = c.rangeOf(raw ?? item);
  const node: LayerNode = { index, range, typeRange: range, type: '', spec: null };
  const entries = new Map<string, Entry>();
  let typeKey: YamlNode | null = null;
  let params: YamlNode | null = null;
  let paramsAt: YamlNode | null = null;
  let extra: YamlPair[] = [];

  if (isScalar(item) && typeof item.value === 'string') {
    typeKey = item;
    node.type = item.value;
  } else if (isMap(item) && item.items.length > 0) {
    const first = item.items[0] as YamlPair;
    typeKey = keyNode(first);
    node.type = keyName(first) ?? '';
    paramsAt = valueNode(first);
    params = c.resolve(paramsAt);
    extra = item.items.slice(1);
  } else {
    c.error(raw ?? item, 'layer-form', c.t('layer.form'));
    return { node, params: null, entries };
  }
  if (typeKey) node.typeRange = c.rangeOf(typeKey);

  if (!isLayerType(node.type)) {
    const s = closest(node.type, LAYER_TYPES, LAYER_ALIASES);
    c.error(typeKey, 'unknown-layer',
      s !== undefined
        ? c.t('layer.unknownSuggest', { type: node.type, suggestion: s })
        : c.t('layer.unknownList', { type: node.type, types: LAYER_TYPES.join(', ') }),
      s !== undefined && typeKey ? [c.replaceFix(c.t('fix.changeToQuoted', { value: s }), typeKey, s)] : undefined);
    return { node, params: null, entries };
  }
  const type: LayerType = node.type;
  const def = layerDef(type);
  const fields = layerFields(type);
  let paramsMap: YAMLMap | null = null;

  if (extra.length > 0) {
    // `- conv2d:` followed by under-indented keys: YAML reads them as siblings of the type.
    const k = keyNode(extra[0] as YamlPair);
    c.error(k, 'layer-form', c.t('layer.underIndented', { key: keyName(extra[0] as YamlPair) ?? '', type }));
  }
  const shortField = def.shorthand !== undefined ? findField(fields, def.shorthand) : undefined;
  if (shortField && !isNullish(params) && isScalar(params)) {
    // `- activation: relu`, `- dropout: 0.5`
    const field = shortField;
    const pair = (item as YAMLMap).items[0] as YamlPair;
    entries.set(field.key, { field, pair, key: typeKey, value: params, at: paramsAt });
  } else if (isMap(params)) {
    paramsMap = params;
    for (const [k, v] of c.fields(params, fields, type, typeKey)) entries.set(k, v);
  } else if (!isNullish(params)) {
    c.error(paramsAt, 'wrong-type', c.t('layer.paramsMap', { type, example: def.example }));
    return { node, params: null, entries };
  } else {
    for (const f of fields) {
      if (f.required === true) c.error(typeKey, 'missing-key', c.t('layer.missingKey', { type, key: f.key, doc: fieldDoc(c.locale, f), example: def.example }));
    }
  }
  const before = c.errorCount;
  const built = buildLayer(c, type, entries);
  const after = c.errorCount;
  const missing = fields.filter((f) => f.required === true && !entries.has(f.key));
  if (after === before && missing.length === 0) {
    node.spec = built.spec;
    return { node, params: paramsMap, entries, shapeSpec: built.spec };
  }
  // Wrong only where the shape does not depend on it: the shapes below stay known.
  const neutral = (key: string): boolean => findField(fields, key)?.shapeNeutral === true;
  const shapeSpec = missing.every((f) => f.shapeNeutral === true) && [...built.bad].every(neutral) ? built.spec : null;
  return { node, params: paramsMap, entries, shapeSpec };
}

/**
 * Fixes for a kernel or pooling window that does not fit its input: `padding: same` (when the
 * layer has that choice and the window then fits), and the largest window that fits as it is.
 */
function windowFixes(
  c: Checker, p: ParsedLayer, spec: LayerSpec, input: readonly number[], key: string, after: readonly (LayerSpec | null)[],
): CoreFix[] {
  const fixes: CoreFix[] = [];
  const def = layerDef(spec.type);
  // A fix must not just move the error down: the layers after it must still fit.
  const fitsWithRest = (candidate: LayerSpec): readonly number[] | null => {
    const first = def.infer(candidate, input, c.locale);
    if (!first.ok) return null;
    let shape = first.value.outputShape;
    for (const l of after) {
      if (!l) break;
      const r = inferLayer(l, shape, c.locale);
      if (!r.ok) return null;
      shape = r.value.outputShape;
    }
    return first.value.outputShape;
  };
  const fields = layerFields(spec.type);
  const record = spec as unknown as Record<string, unknown>;
  const paddingField = findField(fields, 'padding');
  if (paddingField?.kind === 'enum' && record.padding === 'valid') {
    const same = fitsWithRest({ ...spec, padding: 'same' } as LayerSpec);
    if (same) {
      const title = c.t('fix.usePaddingSame', { shape: formatShape(same) });
      const padE = p.entries.get('padding');
      if (padE?.value) fixes.push(c.replaceFix(title, padE.value, 'same'));
      else if (p.params) {
        const ed = addKeyToMap(c.src, p.params, 'padding', 'same');
        if (ed) fixes.push({ title, edits: [ed], preferred: true });
      }
    }
  }
  const win = record[key];
  const winE = p.entries.get(key);
  if (Array.isArray(win) && winE?.value && input.length === 3) {
    // The largest window, shrinking both sides together from the input's size, that fits and keeps the rest valid.
    let fit: [number, number] | null = null;
    const top: [number, number] = [Math.min(win[0] as number, input[0] ?? 1), Math.min(win[1] as number, input[1] ?? 1)];
    for (let d = 0; d < Math.max(top[0], top[1]) && !fit; d++) {
      const candidate: [number, number] = [Math.max(1, top[0] - d), Math.max(1, top[1] - d)];
      if (fitsWithRest({ ...spec, [key]: candidate })) fit = candidate;
    }
    if (fit && (fit[0] !== win[0] || fit[1] !== win[1])) {
      const value = fit[0] === fit[1] ? String(fit[0]) : `[${fit[0]}, ${fit[1]}]`;
      fixes.push(c.replaceFix(c.t('fix.useWindow', { key, value }), winE.value, value, fixes.length === 0));
    }
  }
  return fixes;
}

/**
 * The layer as written; a bad value reads as its default, and `bad` lists the keys that had one.
 * The spec is then not the user's model, but its shapes are exact when every bad key is shape-neutral.
 */
function buildLayer(c: Checker, type: LayerType, entries: Map<string, Entry>): { spec: LayerSpec; bad: Set<string> } {
  const get = (k: string): Entry | undefined => entries.get(k);
  const badKeys = new Set<string>();
  const setBad = (k: string): void => { badKeys.add(k); };
  const num = (k: string, dflt: number, code?: DiagnosticCode): number => {
    const e = get(k);
    if (!e) return dflt;
    const v = c.number(e, code);
    if (v === undefined) setBad(k);
    return v ?? dflt;
  };
  const pair = (k: string, dflt: Pair): Pair => {
    const e = get(k);
    if (!e) return dflt;
    const v = c.pair(e);
    if (!v) setBad(k);
    return v ?? dflt;
  };
  const en = <T extends string>(k: string, values: readonly T[], dflt: T): T => {
    const e = get(k);
    if (!e) return dflt;
    const v = c.enumValue(e, values);
    if (v === undefined) setBad(k);
    return v ?? dflt;
  };
  const bool = (k: string, dflt: boolean): boolean => {
    const e = get(k);
    if (!e) return dflt;
    const v = c.bool(e);
    if (v === undefined) setBad(k);
    return v ?? dflt;
  };
  let name: string | undefined;
  const ne = get('name');
  if (ne) {
    name = c.string(ne);
    if (name === undefined) setBad('name');
    else if (!LAYER_NAME_RE.test(name)) {
      c.error(ne.at, 'wrong-type', c.t('layer.badName', { name }));
      setBad('name');
      name = undefined;
    }
  }
  const read: FieldReader = { number: num, pair, choice: en, bool };
  const fields = layerDef(type).build(read);
  const spec = { type, ...fields, ...(name === undefined ? {} : { name }) } as LayerSpec;
  return { spec, bad: badKeys };
}

// ------------------------------------------------------------------ top level

interface DatasetInfoResolved { spec: DatasetSpec; label: string; shape: [number, number, number] | null; classes: number | null }

function parseDataset(c: Checker, e: Entry, grayscale: boolean): DatasetInfoResolved | null {
  const v = e.value;
  if (isScalar(v)) {
    const name = c.enumValue<BuiltinDatasetName>(e, BUILTIN_DATASETS, DATASET_ALIASES);
    if (name === undefined) return null;
    const info = DATASETS[name];
    const [h, w, ch] = info.inputShape;
    return { spec: { kind: 'builtin', name }, label: name, shape: [h, w, grayscale ? 1 : ch], classes: info.classNames.length };
  }
  if (isMap(v)) {
    const f = c.fields(v, FOLDER_FIELDS, 'dataset', e.key);
    const folderE = f.get('folder');
    const path = folderE ? c.string(folderE) : undefined;
    const sizeE = f.get('imageSize');
    const size = sizeE ? c.pair(sizeE) : undefined;
    const splitE = f.get('testSplit');
    const split = splitE ? c.number(splitE) : 0.2;
    if (path === undefined || (sizeE && !size) || split === undefined) return null;
    const imageSize: Pair = size ?? [32, 32];
    return {
      spec: { kind: 'folder', path, imageSize, testSplit: split }, label: path,
      shape: [imageSize[0], imageSize[1], grayscale ? 1 : 3], classes: null,
    };
  }
  c.error(e.at, 'wrong-type', c.t('dataset.wrongType', { values: BUILTIN_DATASETS.join(', ') }));
  return null;
}

function parseTrain(c: Checker, e: Entry | undefined): TrainSpec | null {
  if (!e || isNullish(e.value)) return DEFAULT_TRAIN;
  if (!isMap(e.value)) {
    c.error(e.at, 'wrong-type', c.t('train.wrongType'));
    return null;
  }
  const f = c.fields(e.value, TRAIN_FIELDS, 'train');
  let bad = false;
  const num = (k: string, d: number): number => {
    const x = f.get(k);
    if (!x) return d;
    const v = c.number(x);
    if (v === undefined) bad = true;
    return v ?? d;
  };
  const optE = f.get('optimizer');
  const optimizer = optE ? c.enumValue<OptimizerName>(optE, ['adam', 'sgd', 'rmsprop', 'adagrad', 'adamax']) : DEFAULT_TRAIN.optimizer;
  if (optimizer === undefined) bad = true;
  let augment: AugmentSpec = DEFAULT_TRAIN.augment;
  const augE = f.get('augment');
  if (augE && !isNullish(augE.value)) {
    if (!isMap(augE.value)) {
      c.error(augE.at, 'wrong-type', c.t('augment.wrongType'));
      bad = true;
    } else {
      const a = c.fields(augE.value, AUGMENT_FIELDS, 'augment');
      const flipE = a.get('flipHorizontal');
      const flip = flipE ? c.bool(flipE) : false;
      const shiftE = a.get('shift');
      const shift = shiftE ? c.number(shiftE) : 0;
      if (flip === undefined || shift === undefined) bad = true;
      augment = { flipHorizontal: flip ?? false, shift: shift ?? 0 };
    }
  }
  const train: TrainSpec = {
    epochs: num('epochs', DEFAULT_TRAIN.epochs), batchSize: num('batchSize', DEFAULT_TRAIN.batchSize),
    optimizer: optimizer ?? DEFAULT_TRAIN.optimizer, learningRate: num('learningRate', DEFAULT_TRAIN.learningRate),
    validationSplit: num('validationSplit', DEFAULT_TRAIN.validationSplit), seed: num('seed', DEFAULT_TRAIN.seed), augment,
  };
  return bad ? null : train;
}

// ------------------------------------------------------------------ model-level checks

function checkModel(c: Checker, seq: YAMLSeq, layers: ParsedLayer[], rows: (LayerSummary | null)[], numClasses: number | null): void {
  const src = c.src;
  const specs = layers.map((l) => l.node.spec);
  const complete = layers.length > 0 && rows.every((r) => r !== null);
  // The output layer (one rule for the language and the trainer: `outputLayerIndex`), and the
  // classifier: the last layer with weights at or before it (whose `units` set the class count,
  // and before which a dropout belongs).
  const outIdx = outputLayerIndex(specs);
  let classIdx = outIdx;
  while (classIdx >= 0 && specs[classIdx] && !layerDef((specs[classIdx] as LayerSpec).type).traits.hasWeights) classIdx--;

  if (complete) {
    const lastRow = rows[rows.length - 1] as LayerSummary;
    const lastNode = (layers[layers.length - 1] as ParsedLayer).node;
    const out = lastRow.outputShape;
    if (out.length !== 1) {
      const fix: CoreFix[] = [];
      if (numClasses !== null) {
        const a = insertLayerAfter(src, seq, layers.length - 1, 'flatten: {}');
        const b = insertLayerAfter(src, seq, layers.length - 1, `dense: { units: ${numClasses}, activation: softmax }`);
        if (a && b) fix.push({ title: c.t('fix.addFlattenDense', { units: numClasses }), edits: [a, b], preferred: true });
      }
      c.error(lastNode.typeRange, 'output-not-flat', c.t('output.notFlat', { shape: formatShape(out), units: numClasses ?? 'N' }), fix);
    } else if (numClasses !== null && out[0] !== numClasses) {
      const outLayer = classIdx >= 0 ? layers[classIdx] : undefined;
      const unitsE = outLayer?.entries.get('units');
      const ds = numClasses;
      if (outLayer && unitsE?.value) {
        c.error(unitsE.at, 'class-mismatch', c.t('class.mismatchUnits', { units: out[0] ?? 0, classes: ds }),
          [c.replaceFix(c.t('fix.setUnits', { value: ds }), unitsE.value, String(ds))]);
      } else {
        c.error(lastNode.typeRange, 'class-mismatch', c.t('class.mismatchOutputs', { units: out[0] ?? 0, classes: ds }));
      }
    }
  }

  // Softmax on the output layer, when it is a dense or activation layer.
  const lr = layers[outIdx];
  const lrSpec = lr?.node.spec;
  const lrDef = lrSpec ? layerDef(lrSpec.type) : undefined;
  const lrActivation = lrSpec ? lrDef?.activationOf?.(lrSpec) : undefined;
  if (lr && lrActivation !== undefined && (lrDef?.traits.kind === 'dense' || lrDef?.traits.kind === 'activation') && lrActivation !== 'softmax') {
    const actE = lr.entries.get('activation');
    const fix: CoreFix[] = [];
    if (actE?.value) fix.push(c.replaceFix(c.t('fix.useSoftmax'), actE.value, 'softmax'));
    else if (lr.params) {
      const ed = addKeyToMap(src, lr.params, 'activation', 'softmax');
      if (ed) fix.push({ title: c.t('fix.addSoftmax'), edits: [ed], preferred: true });
    }
    c.report(actE?.at ?? lr.node.typeRange, 'warning', 'output-not-softmax',
      c.t('output.notSoftmax', { activation: lrActivation }), fix);
  }

  // Dropout placement.
  let dropouts = 0;
  layers.forEach((l, i) => {
    const s = specs[i];
    if (s?.type !== 'dropout') return;
    dropouts++;
    const rateE = l.entries.get('rate');
    if (s.rate === 0) {
      const rm = removeLayer(src, seq, i);
      c.report(rateE?.at ?? l.node.typeRange, 'warning', 'dropout-useless', c.t('dropout.zero'), rm ? [{ title: c.t('fix.removeDropout'), edits: [rm] }] : undefined);
    } else if (classIdx >= 0 && i > outIdx) {
      const fix: CoreFix[] = [];
      const rm = removeLayer(src, seq, i);
      const text = src.text.slice(src.offset(l.node.range.start), src.offset(l.node.range.end));
      const ins = insertLayerBefore(src, seq, classIdx, seq.flow === true ? text.replace(/^\{\s*|\s*\}$/g, '') : text);
      if (rm && ins) fix.push({ title: c.t('fix.moveDropout'), edits: [ins, rm], preferred: true });
      if (rm) fix.push({ title: c.t('fix.removeDropout'), edits: [rm] });
      c.report(l.node.typeRange, 'warning', 'dropout-useless', c.t('dropout.afterOutput'), fix);
    } else if (rows[i] && rows[i]?.inputShape.length === 3) {
      const fix: CoreFix = { title: c.t('fix.useSpatialDropout'), edits: [{ range: l.node.typeRange, newText: 'spatialdropout2d' }] };
      c.report(l.node.typeRange, 'hint', 'dropout-on-feature-maps', c.t('dropout.onFeatureMaps', { shape: formatShape(rows[i]?.inputShape ?? []) }), [fix]);
    } else if (i > 0 && specs[i - 1]?.type === 'dropout') {
      const rm = removeLayer(src, seq, i);
      c.report(l.node.typeRange, 'warning', 'dropout-useless', c.t('dropout.stacked'),
        rm ? [{ title: c.t('fix.removeDropout'), edits: [rm], preferred: true }] : undefined);
    }
  });
  if (dropouts === 0 && classIdx >= 0) {
    const flatIdx = specs.findIndex((s, i) => i < classIdx && s !== null && layerDef(s.type).traits.kind === 'flattening');
    const flat = layers[flatIdx];
    if (flat) {
      const ins = insertLayerAfter(src, seq, flatIdx, 'dropout: { rate: 0.5 }');
      c.report(flat.node.typeRange, 'hint', 'dropout-suggested', c.t('dropout.suggested'),
        ins ? [{ title: c.t('fix.insertDropout'), edits: [ins], preferred: true }] : undefined);
    }
  }
}

// ------------------------------------------------------------------ entry point

function emptyAnalysis(diagnostics: CoreDiagnostic[]): Analysis {
  return {
    spec: null, summary: null, diagnostics, layers: [], partialSummary: { inputShape: null, layers: [] },
    layersKeyRange: null, datasetLabel: null, numClasses: null, batchSize: DEFAULT_TRAIN.batchSize,
  };
}

function analyze(text: string, options: AnalyzeOptions): Analysis {
  const src = new SourceText(text, options.fullYamlParser === true);
  const c = new Checker(src, options.locale ?? 'en');
  const errors = src.doc.errors;
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i] as (typeof errors)[number];
    const first = e.message.split('\n')[0] ?? e.message;
    let message = c.t('yaml.syntax', { message: first });
    // Once YAML loses the structure it reports every later token; one diagnostic says so.
    let j = i;
    while (e.code === 'UNEXPECTED_TOKEN' && errors[j + 1]?.code === 'UNEXPECTED_TOKEN') j++;
    if (j > i) {
      const last = errors[j] as (typeof errors)[number];
      message = c.t('yaml.syntax', { message: c.t('yaml.moreTokens', { message: first, count: j - i, line: src.position(last.pos[0]).line + 1 }) });
    }
    c.error(src.range(e.pos[0], Math.max(e.pos[1], e.pos[0] + 1)), 'yaml-syntax', message);
    i = j;
  }
  for (const w of src.doc.warnings) {
    c.report(src.range(w.pos[0], Math.max(w.pos[1], w.pos[0] + 1)), 'warning', 'yaml-warning', c.t('yaml.warning', { message: w.message.split('\n')[0] ?? w.message }));
  }
  const root = c.resolve(src.doc.contents);
  if (isNullish(root)) {
    c.error(src.range(0, 0), 'empty-model', c.t('model.empty'));
    return emptyAnalysis(c.diagnostics);
  }
  if (!isMap(root)) {
    c.error(root, 'not-a-map', c.t('model.notMap'));
    return emptyAnalysis(c.diagnostics);
  }
  const top = c.fields(root, TOP_LEVEL_FIELDS, c.t('where.modelFile'));
  const nameE = top.get('name');
  const name = nameE ? c.string(nameE) : 'model';

  const grayE = top.get('grayscale');
  const grayscale = grayE ? (c.bool(grayE) ?? false) : false;
  const dsE = top.get('dataset');
  const ds = dsE ? parseDataset(c, dsE, grayscale) : null;

  let numClasses = ds?.classes ?? null;
  const clsE = top.get('classes');
  if (clsE) {
    const n = c.number(clsE);
    if (n !== undefined && ds) {
      if (ds.spec.kind === 'builtin' && n !== ds.classes) {
        c.error(clsE.at, 'dataset-classes', c.t('dataset.classes', { dataset: ds.label, classes: ds.classes ?? 0, given: n }),
          clsE.value ? [c.replaceFix(c.t('fix.setClasses', { value: ds.classes ?? 0 }), clsE.value, String(ds.classes ?? 0))] : undefined);
      } else if (ds.spec.kind === 'folder') numClasses = n;
    }
  }

  let inputShape: [number, number, number] | null = ds?.shape ?? null;
  const inE = top.get('input');
  if (inE) {
    const given = c.ints(inE, 3);
    if (given && ds?.shape) {
      let expected = ds.shape;
      if (ds.spec.kind === 'folder' && !(isMap(dsE?.value) && findPair(dsE.value, 'imageSize'))) {
        // A folder without imageSize takes height and width from `input`.
        expected = [given[0] ?? 32, given[1] ?? 32, ds.shape[2]];
        ds.spec = { ...ds.spec, imageSize: [expected[0], expected[1]] };
        inputShape = expected;
      }
      if (given.join() !== expected.join()) {
        const why = ds.spec.kind === 'builtin' ? c.t(grayscale ? 'input.whyBuiltinGray' : 'input.whyBuiltin', { dataset: ds.label }) : c.t('input.whyFolder');
        c.error(inE.at, 'input-mismatch', c.t('input.mismatch', { given: given.join(', '), why, expected: expected.join(', ') }),
          inE.value ? [c.replaceFix(c.t('fix.setInput', { value: expected.join(', ') }), inE.value, `[${expected.join(', ')}]`)] : undefined);
      }
    }
  }

  const trainE = top.get('train');
  const train = parseTrain(c, trainE);

  const layersE = top.get('layers');
  const layersKeyRange = layersE?.key ? c.rangeOf(layersE.key) : null;
  const parsed: ParsedLayer[] = [];
  let seq: YAMLSeq | null = null;
  if (!layersE) {
    // Reported by `fields` as a missing key.
  } else if (isNullish(layersE.value) || (isSeq(layersE.value) && layersE.value.items.length === 0)) {
    c.error(layersE.key, 'empty-model', c.t('model.noLayers'));
  } else if (!isSeq(layersE.value)) {
    c.error(layersE.at, 'wrong-type', c.t('layers.notList'));
  } else {
    seq = layersE.value;
    seq.items.forEach((raw, i) => {
      const node = raw as YamlNode | null;
      parsed.push(parseLayer(c, c.resolve(node), node, i));
    });
  }

  // Layer names must be unique (TensorFlow.js refuses duplicates).
  const seen = new Map<string, number>();
  for (const p of parsed) {
    const n = p.node.spec?.name;
    if (n === undefined) continue;
    if (seen.has(n)) c.error(p.entries.get('name')?.at ?? null, 'duplicate-name', c.t('layer.duplicateName', { name: n, index: (seen.get(n) ?? 0) + 1 }));
    else seen.set(n, p.node.index);
  }

  // Shapes, as far as they go.
  const specs = parsed.map((p) => p.node.spec);
  const names = layerNames(specs);
  const rows: (LayerSummary | null)[] = parsed.map(() => null);
  if (inputShape) {
    let shape: readonly number[] = inputShape;
    for (const p of parsed) {
      const s = p.node.spec ?? p.shapeSpec;
      if (!s) break;
      const r = inferLayer(s, shape, c.locale);
      if (!r.ok) {
        const at = r.error.key !== null ? (p.entries.get(r.error.key)?.at ?? null) : null;
        const fix: CoreFix[] = [];
        if (r.error.code === 'missing-flatten' && seq) {
          // Before any dropout right in front of this layer: dropout belongs after the flatten.
          let at = p.node.index;
          while (at > 0 && parsed[at - 1]?.node.spec?.type === 'dropout') at--;
          const ed = insertLayerBefore(src, seq, at, 'flatten: {}');
          if (ed) fix.push({ title: c.t(at < p.node.index ? 'fix.insertFlattenBeforeDropout' : 'fix.insertFlatten'), edits: [ed], preferred: true });
        }
        if ((r.error.code === 'shape-mismatch' || r.error.code === 'shape-zero') && r.error.key !== null) {
          fix.push(...windowFixes(c, p, s, shape, r.error.key, parsed.slice(p.node.index + 1).map((q) => q.node.spec)));
        }
        c.error(at ?? p.node.typeRange, r.error.code, r.error.message, fix);
        break;
      }
      rows[p.node.index] = summaryRow(p.node.index, names[p.node.index] ?? s.type, s, shape, r.value);
      shape = r.value.outputShape;
    }
  }
  // After a YAML syntax error the recovered structure is a guess: keep per-layer results, skip model-level advice.
  if (seq && src.doc.errors.length === 0) checkModel(c, seq, parsed, rows, numClasses);

  const batchSize = train?.batchSize ?? DEFAULT_TRAIN.batchSize;
  const hasErrors = c.errorCount > 0;
  let spec: TypedModelSpec | null = null;
  let summary = null;
  if (!hasErrors && ds && inputShape && train && name !== undefined && parsed.length > 0 && rows.every((r) => r !== null)) {
    spec = {
      name, dataset: ds.spec, grayscale, inputShape, numClasses,
      layers: parsed.map((p) => p.node.spec as LayerSpec), train,
    };
    summary = totals(inputShape, rows, batchSize);
  }
  return {
    spec, summary, diagnostics: c.diagnostics, layers: parsed.map((p) => p.node),
    partialSummary: { inputShape, layers: rows }, layersKeyRange, datasetLabel: ds?.label ?? null, numClasses, batchSize,
  };
}

export interface AnalyzeOptions extends LocaleOptions {
  /** Always use the general YAML parser, never the plain-YAML fast path (tests and benchmarks compare the two). */
  readonly fullYamlParser?: boolean;
}

/** Parses, validates and infers shapes. Total: any input gives an Analysis, never an exception. */
export function analyzeModelText(text: string, options: AnalyzeOptions = {}): Analysis {
  try {
    return analyze(typeof text === 'string' ? text : String(text), options);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return emptyAnalysis([{
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'error', code: 'internal-error',
      message: t(options.locale ?? 'en', 'internal.error', { detail: msg.slice(0, 200) }),
    }]);
  }
}
