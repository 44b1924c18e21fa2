/**
 * The layer registry (src/core/layers) is the one place a layer type is defined: these tests hold
 * every entry to the same contract, so a new layer type is checked the moment it is registered.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  analyzeModelText, completionsAt, endsInSoftmax, hoverAt, isLayerType, LAYER_ALIASES, LAYER_TYPES, layerDef, layerDefs, layerFields, outputLayerIndex,
} from '../../../src/core/index';
import type { FieldReader, LayerSpec } from '../../../src/core/index';

const HANGUL = /[\uac00-\ud7a3]/;

/** A model around one layer: feature maps in, a classifier out (flattened first when the layer keeps the grid). */
function modelAround(layerText: string, spatialOut: boolean): string {
  return [
    'name: t', 'dataset: shapes', 'layers:',
    '  - conv2d: { filters: 4, kernel: 3, padding: same }',
    `  - ${layerText}`,
    ...(spatialOut ? ['  - flatten: {}'] : []),
    '  - dense: { units: 9, activation: softmax }', '',
  ].join('\n');
}

/** Replaces LSP snippet placeholders by their defaults: `${1:32}` → 32, `${3|same,valid|}` → same. */
function expandSnippet(s: string): string {
  return s.replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, '$1');
}

const errorsOf = (text: string): string[] => analyzeModelText(text).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);

describe('core layer registry', () => {
  it('lists each layer type once, with Keras names, docs in both languages and typed fields', () => {
    assert.equal(new Set(LAYER_TYPES).size, LAYER_TYPES.length);
    for (const d of layerDefs()) {
      assert.match(d.type, /^[a-z0-9]+$/, d.type);
      assert.match(d.keras.className, /^[A-Z][A-Za-z0-9]+$/, d.type);
      assert.match(d.keras.name, /^[a-z][a-z0-9_]*$/, d.type);
      assert.ok(d.docs.en.length > 20 && d.docs.en.includes(d.keras.className), `${d.type}: English doc names the Keras class`);
      assert.match(d.docs.ko, HANGUL, d.type);
      const fields = layerFields(d.type);
      assert.equal(fields[fields.length - 1]?.key, 'name', `${d.type}: name is the last field`);
      assert.equal(new Set(fields.flatMap((f) => [f.key, ...(f.aliases ?? [])])).size, fields.flatMap((f) => [f.key, ...(f.aliases ?? [])]).length, `${d.type}: keys and aliases are distinct`);
      for (const f of fields) {
        assert.match(f.docKo, HANGUL, `${d.type}.${f.key}`);
        if (f.kind === 'enum') assert.ok((f.values ?? []).length > 0, `${d.type}.${f.key} lists its values`);
      }
      if (d.shorthand !== undefined) assert.ok(fields.some((f) => f.key === d.shorthand), `${d.type}: shorthand ${d.shorthand} is a field`);
    }
  });

  it('maps every alias to a registered type, and no alias shadows a type', () => {
    for (const [alias, type] of Object.entries(LAYER_ALIASES)) {
      assert.ok(isLayerType(type), alias);
      assert.ok(!isLayerType(alias), `${alias} is both a type and an alias`);
    }
    const a = analyzeModelText(modelAround('separableconvolution2d: { filters: 4, kernel: 3 }', true));
    assert.ok(a.diagnostics.some((d) => d.code === 'unknown-layer' && /did you mean "separableconv2d"/.test(d.message)));
  });

  it('shows each default the user reads equal to the value the layer is built with', () => {
    for (const d of layerDefs()) {
      const seen = new Map<string, unknown>();
      const read: FieldReader = {
        number: (k, v) => { seen.set(k, v); return v; },
        pair: (k, v) => { seen.set(k, v); return v; },
        choice: (k, _values, v) => { seen.set(k, v); return v; },
        bool: (k, v) => { seen.set(k, v); return v; },
      };
      d.build(read);
      for (const f of layerFields(d.type)) {
        if (f.key === 'name' || f.required === true || f.default === undefined || !/^[-\d.a-z]+$/.test(f.default) || !seen.has(f.key)) continue;
        if (f.default === 'pool') continue; // strides default to the pool window
        const v = seen.get(f.key);
        const shown = Array.isArray(v) ? (v[0] === v[1] ? String(v[0]) : `[${v.join(', ')}]`) : String(v);
        assert.equal(shown, f.default, `${d.type}.${f.key}: shown default ${f.default}, built with ${shown}`);
      }
      for (const f of layerFields(d.type)) {
        if (f.key !== 'name') assert.ok(seen.has(f.key), `${d.type}.${f.key} is read when the layer is built`);
      }
    }
  });

  it('gives an example and a completion snippet that are valid layers of their type', () => {
    for (const d of layerDefs()) {
      const example = /^`(.*)`$/.exec(d.example)?.[1];
      assert.ok(example, `${d.type}: example is one code span`);
      const spatialOut = d.traits.kind !== 'flattening' && d.traits.kind !== 'dense';
      const around = d.traits.kind === 'dense' ? (t: string): string => modelAround(`flatten: {}\n  - ${t}`, false) : (t: string): string => modelAround(t, spatialOut);
      assert.deepEqual(errorsOf(around(example)), [], `${d.type} example ${example}`);
      assert.deepEqual(errorsOf(around(expandSnippet(d.snippet))), [], `${d.type} snippet ${d.snippet}`);
      assert.ok(d.snippet.startsWith(`${d.type}:`), d.type);
    }
  });

  it('offers every layer type in completion with its snippet, and hovers each with its Keras class', () => {
    const text = 'name: t\ndataset: shapes\nlayers:\n  - \n';
    const items = completionsAt(text, { line: 3, character: 4 }).filter((i) => i.kind === 'layer');
    assert.deepEqual(items.map((i) => i.label), [...LAYER_TYPES]);
    for (const d of layerDefs()) {
      const example = /^`(.*)`$/.exec(d.example)?.[1] ?? '';
      const model = d.traits.kind === 'dense' ? modelAround(`flatten: {}\n  - ${example}`, false) : modelAround(example, d.traits.kind !== 'flattening');
      const line = model.split('\n').findIndex((l) => l.includes(`- ${d.type}:`));
      const hover = hoverAt(model, analyzeModelText(model), { line, character: model.split('\n')[line]?.indexOf(d.type) ?? 0 });
      assert.ok(hover?.markdown.includes(`Keras \`${d.keras.className}\``), `${d.type}: ${hover?.markdown ?? 'no hover'}`);
    }
  });

  it('reports a layer that needs feature maps on a flat vector, at the layer', () => {
    for (const d of layerDefs().filter((x) => x.traits.spatial)) {
      const example = /^`(.*)`$/.exec(d.example)?.[1] ?? '';
      const text = ['name: t', 'dataset: shapes', 'layers:', '  - flatten: {}', `  - ${example}`, '  - dense: { units: 9, activation: softmax }', ''].join('\n');
      const a = analyzeModelText(text);
      const e = a.diagnostics.find((x) => x.severity === 'error');
      assert.equal(e?.code, 'shape-mismatch', `${d.type}: ${e?.message ?? 'no error'}`);
      assert.equal(e?.range.start.line, 4, d.type);
    }
  });

  it('finds the output layer by one rule: the last layer, looking back over dropout and flatten', () => {
    const L = (type: LayerSpec['type'], extra: object = {}): LayerSpec => ({ type, ...extra }) as LayerSpec;
    const dense = L('dense', { units: 10, activation: 'softmax', useBias: true });
    assert.equal(outputLayerIndex([L('flatten'), dense]), 1);
    assert.equal(outputLayerIndex([L('flatten'), dense, L('dropout', { rate: 0.5 })]), 1);
    assert.equal(outputLayerIndex([L('flatten'), dense, L('flatten')]), 1);
    assert.equal(outputLayerIndex([L('flatten'), L('dense', { units: 10, activation: 'linear', useBias: true }), L('activation', { activation: 'softmax' })]), 2);
    assert.equal(outputLayerIndex([L('dropout', { rate: 0.1 })]), -1);
    assert.equal(endsInSoftmax([L('flatten'), dense, L('dropout', { rate: 0.5 })]), true);
    assert.equal(endsInSoftmax([L('flatten'), L('dense', { units: 10, activation: 'linear', useBias: true })]), false);
    assert.equal(endsInSoftmax([L('flatten'), L('dense', { units: 10, activation: 'linear', useBias: true }), L('leakyrelu', { negativeSlope: 0.3 })]), false);
    assert.equal(layerDef('spatialdropout2d').traits.passThrough, true);
  });

  it('names layers as Keras does, counting per Keras class: gelu and swish layers are Activation layers', () => {
    const a = analyzeModelText(['name: t', 'dataset: shapes', 'layers:',
      '  - conv2d: { filters: 4, kernel: 3 }', '  - gelu: {}', '  - activation: relu', '  - swish: {}', '  - leakyrelu: {}', '  - leakyrelu: {}',
      '  - globalmaxpool2d: {}', '  - dense: { units: 9, activation: softmax }', ''].join('\n'));
    assert.deepEqual(a.summary?.layers.map((l) => l.name),
      ['conv2d', 'activation', 'activation_1', 'activation_2', 'leaky_re_lu', 'leaky_re_lu_1', 'global_max_pooling2d', 'dense']);
  });

  it('offers a layer key\'s own values: zeropadding2d padding is a number, conv2d padding valid or same', () => {
    const text = 'name: t\ndataset: shapes\nlayers:\n  - zeropadding2d: { padding: }\n  - conv2d: { filters: 4, kernel: 3, padding: }\n';
    assert.deepEqual(completionsAt(text, { line: 3, character: 30 }).map((i) => i.label), []);
    assert.deepEqual(completionsAt(text, { line: 4, character: 46 }).map((i) => i.label), ['valid', 'same']);
  });

  it('has a row in the README\'s layer table for every layer type, with its Keras class', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    for (const d of layerDefs()) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${d.type}\` |`));
      assert.ok(row?.includes(d.keras.className), `README has no row for ${d.type} naming ${d.keras.className}`);
    }
  });

  it('hovers a layer with its name only when it differs from the keyword, and its parameters made up', () => {
    const text = ['name: t', 'dataset: shapes', 'layers:',
      '  - conv2d: { filters: 4, kernel: 3 }', '  - conv2d: { filters: 4, kernel: 3 }',
      '  - separableconv2d: { filters: 8, kernel: 3, depthMultiplier: 2 }', '  - depthwiseconv2d: { kernel: 3, useBias: false }',
      '  - globalmaxpool2d: {}', '  - dense: { units: 9, activation: softmax }', ''].join('\n');
    const a = analyzeModelText(text);
    const at = (line: number, word: string): string => hoverAt(text, a, { line, character: (text.split('\n')[line] ?? '').indexOf(word) })?.markdown ?? '';
    assert.match(at(3, 'conv2d'), /^\*\*conv2d\*\* — Keras `Conv2D`/);
    assert.match(at(4, 'conv2d'), /^\*\*conv2d\*\* `conv2d_1` — Keras `Conv2D`/);
    // 28×28×4 in: depthwise 3·3·4·2 = 72, pointwise 8·8 = 64, 8 biases → 144.
    assert.match(at(5, 'separableconv2d'), /\| 144 = 3·3·4·2 depthwise \+ 8·8 pointwise weights \+ 8 biases \|/);
    assert.match(at(6, 'depthwiseconv2d'), /\| 72 = 3·3·8·1 weights \|/);
    assert.match(at(7, 'globalmaxpool2d'), /0 MACs/);
  });
});

