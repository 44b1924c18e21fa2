/** Hover content: per-layer shapes, parameters and MACs; key and data-set docs. Markdown. */
import { DATASETS } from '../shared/datasets';
import { BUILTIN_DATASETS } from '../shared/modelSpec';
import type { BuiltinDatasetName, LayerSummary } from '../shared/modelSpec';
import { compact, groupDigits } from './format';
import { layerAt, lineOf, wordAt } from './locate';
import { AUGMENT_FIELDS, findField, FOLDER_FIELDS, isLayerType, KERAS_CLASS, LAYER_DOCS, LAYER_FIELDS, TOP_LEVEL_FIELDS, TRAIN_FIELDS } from './schema';
import { formatShape } from './shapes';
import type { Analysis, ColourCost, LayerNode, Position, Range } from './types';

export interface CoreHover { range: Range; markdown: string }

/** Weights of the first conv on colour input and on one channel, when the model input is colour or converted. */
export function colourCost(analysis: Analysis, layer: LayerNode): ColourCost | null {
  const spec = layer.spec;
  const row = analysis.partialSummary.layers[layer.index];
  if (spec?.type !== 'conv2d' || !row) return null;
  const firstConv = analysis.layers.find((l) => l.spec?.type === 'conv2d');
  if (firstConv?.index !== layer.index) return null;
  const inC = row.inputShape[2] ?? 0;
  const bias = spec.useBias ? spec.filters : 0;
  const per = spec.kernel[0] * spec.kernel[1] * spec.filters;
  if (inC === 3) return { channels: 3, params: per * 3 + bias, grayscaleParams: per + bias };
  // Grayscale input: say what colour would cost, if the data set has colour.
  const ds = analysis.datasetLabel;
  const colourData = ds !== null && (BUILTIN_DATASETS as readonly string[]).includes(ds)
    ? DATASETS[ds as BuiltinDatasetName].inputShape[2] === 3
    : ds !== null;
  if (inC === 1 && colourData) return { channels: 1, params: per * 3 + bias, grayscaleParams: per + bias };
  return null;
}

function paramFormula(row: LayerSummary, layer: LayerNode): string {
  const s = layer.spec;
  if (s?.type === 'conv2d') {
    const w = `${s.kernel[0]}·${s.kernel[1]}·${row.inputShape[2] ?? 0}·${s.filters}`;
    return s.useBias ? ` = ${w} weights + ${s.filters} biases` : ` = ${w} weights`;
  }
  if (s?.type === 'dense') return s.useBias ? ` = ${row.inputShape[0] ?? 0}·${s.units} weights + ${s.units} biases` : ` = ${row.inputShape[0] ?? 0}·${s.units} weights`;
  if (s?.type === 'batchnorm') return ` = 4·${row.outputShape[row.outputShape.length - 1] ?? 0} (gamma, beta trainable; moving mean and variance not)`;
  return '';
}

function layerHover(analysis: Analysis, layer: LayerNode, fieldDoc: string | null): string {
  const type = layer.type;
  const parts: string[] = [];
  if (!isLayerType(type)) return `Unknown layer type \`${type}\`.`;
  const row = analysis.partialSummary.layers[layer.index];
  parts.push(`**${type}**${row ? ` \`${row.name}\`` : ''} — Keras \`${KERAS_CLASS[type]}\``);
  if (fieldDoc !== null) parts.push(fieldDoc);
  if (row) {
    const table = [
      '| | |', '|---|---|',
      `| Input | ${formatShape(row.inputShape)} |`,
      `| Output | **${formatShape(row.outputShape)}** |`,
      `| Parameters | ${groupDigits(row.params)}${paramFormula(row, layer)} |`,
    ];
    if (row.nonTrainableParams > 0) table.push(`| Non-trainable | ${groupDigits(row.nonTrainableParams)} |`);
    table.push(`| MACs per sample | ${groupDigits(row.macs)}${row.macs >= 1000 ? ` (${compact(row.macs)})` : ''} |`);
    parts.push(table.join('\n'));
    const cc = colourCost(analysis, layer);
    if (cc && layer.spec?.type === 'conv2d') {
      const k = `${layer.spec.kernel[0]}×${layer.spec.kernel[1]}`;
      parts.push(cc.channels === 3
        ? `**Colour input:** each of the ${layer.spec.filters} filters has one ${k} slice per channel (R, G, B), so this layer has ${groupDigits(cc.params)} parameters; on grayscale input (\`grayscale: true\`) it would have ${groupDigits(cc.grayscaleParams)} — colour triples the weights.`
        : `**Grayscale input:** one ${k} slice per filter gives ${groupDigits(cc.grayscaleParams)} parameters; on the colour images (\`grayscale: false\`) each filter needs a slice per channel (R, G, B): ${groupDigits(cc.params)} parameters, three times the weights.`);
    }
    if (row.macs === 0 && (type === 'maxpool2d' || type === 'avgpool2d' || type === 'globalavgpool2d')) {
      parts.push('Pooling has no weights and counts as 0 MACs (comparisons/additions only).');
    }
  } else {
    parts.push(LAYER_DOCS[type]);
    parts.push('_Output shape unknown: fix the problems reported on this or an earlier layer._');
  }
  return parts.join('\n\n');
}

/** Hover at a position, or null. */
export function hoverAt(text: string, analysis: Analysis, pos: Position): CoreHover | null {
  const line = lineOf(text, pos.line);
  const w = wordAt(line, pos.character);
  const wordRange: Range = { start: { line: pos.line, character: w.start }, end: { line: pos.line, character: w.end } };
  const layer = layerAt(analysis, pos);
  if (layer) {
    const fields = isLayerType(layer.type) ? LAYER_FIELDS[layer.type] : [];
    const f = w.word !== '' && line.slice(w.end).trimStart().startsWith(':') ? findField(fields, w.word) : undefined;
    const onType = w.word === layer.type;
    const fieldDoc = f ? `\`${f.key}\`: ${f.doc}${f.default !== undefined ? ` Default: \`${f.default}\`.` : ''}` : onType ? LAYER_DOCS[layer.type as keyof typeof LAYER_DOCS] ?? null : null;
    return { range: f || onType ? wordRange : layer.range, markdown: layerHover(analysis, layer, fieldDoc) };
  }
  if (w.word === '') return null;
  // Data set values.
  if ((BUILTIN_DATASETS as readonly string[]).includes(w.word) && /^\s*dataset\s*:/.test(line)) {
    const info = DATASETS[w.word as BuiltinDatasetName];
    return {
      range: wordRange,
      markdown: `**${info.title}** — ${info.description}\n\nInput ${formatShape(info.inputShape)}, ${info.classNames.length} classes, ${groupDigits(info.trainCount)} training / ${groupDigits(info.testCount)} test images.`,
    };
  }
  // Keys: top level, train, augment, dataset folder.
  const isKey = line.slice(w.end).trimStart().startsWith(':');
  if (!isKey) return null;
  const indent = /^\s*/.exec(line)?.[0].length ?? 0;
  const pools = indent === 0 && w.start === 0 ? [TOP_LEVEL_FIELDS] : [TRAIN_FIELDS, AUGMENT_FIELDS, FOLDER_FIELDS, TOP_LEVEL_FIELDS];
  for (const fields of pools) {
    const f = findField(fields, w.word);
    if (f) {
      let md = `\`${f.key}\`: ${f.doc}${f.default !== undefined ? ` Default: \`${f.default}\`.` : ''}`;
      if (f.key === 'layers' && analysis.summary) md += `\n\n${analysis.layers.length} layers, ${groupDigits(analysis.summary.totalParams)} parameters, ${compact(analysis.summary.totalMacs)} MACs per sample.`;
      return { range: wordRange, markdown: md };
    }
  }
  return null;
}
