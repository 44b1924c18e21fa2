/** Hover content: per-layer shapes, parameters and MACs; key and data-set docs. Markdown. */
import { DATASETS } from '../shared/datasets';
import { BUILTIN_DATASETS } from '../shared/modelSpec';
import type { BuiltinDatasetName } from '../shared/modelSpec';
import { compact, groupDigits } from './format';
import { layerAt, lineOf, wordAt } from './locate';
import { DATASET_TEXT_KO, t } from './messages';
import type { Locale, LocaleOptions } from './messages';
import { isLayerType, kerasClassOf, layerDef, layerFields } from './layers/index';
import { AUGMENT_FIELDS, fieldDoc, findField, FOLDER_FIELDS, layerDoc, TOP_LEVEL_FIELDS, TRAIN_FIELDS } from './schema';
import type { FieldDef } from './schema';
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

/** A key's doc with its default, in `locale`. */
function keyDoc(locale: Locale, f: FieldDef): string {
  const doc = `\`${f.key}\`: ${fieldDoc(locale, f)}`;
  return f.default !== undefined ? t(locale, 'hover.default', { doc, value: f.default }) : doc;
}

function layerHover(analysis: Analysis, layer: LayerNode, fieldDocText: string | null, locale: Locale): string {
  const type = layer.type;
  const parts: string[] = [];
  if (!isLayerType(type)) return t(locale, 'hover.unknownLayer', { type });
  const row = analysis.partialSummary.layers[layer.index];
  // `**conv2d** — Keras `Conv2D``, with the layer's name when it is not the type keyword itself.
  parts.push(`**${type}**${row && row.name !== type ? ` \`${row.name}\`` : ''} — Keras \`${kerasClassOf(type)}\``);
  if (fieldDocText !== null) parts.push(fieldDocText);
  if (row) {
    const table = [
      '| | |', '|---|---|',
      `| ${t(locale, 'hover.input')} | ${formatShape(row.inputShape)} |`,
      `| ${t(locale, 'hover.output')} | **${formatShape(row.outputShape)}** |`,
      `| ${t(locale, 'hover.parameters')} | ${groupDigits(row.params)}${layer.spec ? layerDef(layer.spec.type).paramFormula?.(layer.spec, row.inputShape, locale) ?? '' : ''} |`,
    ];
    if (row.nonTrainableParams > 0) table.push(`| ${t(locale, 'hover.nonTrainable')} | ${groupDigits(row.nonTrainableParams)} |`);
    table.push(`| ${t(locale, 'hover.macs')} | ${groupDigits(row.macs)}${row.macs >= 1000 ? ` (${compact(row.macs)})` : ''} |`);
    parts.push(table.join('\n'));
    const cc = colourCost(analysis, layer);
    if (cc && layer.spec?.type === 'conv2d') {
      const k = `${layer.spec.kernel[0]}×${layer.spec.kernel[1]}`;
      const args = { filters: layer.spec.filters, kernel: k, params: groupDigits(cc.params), grayParams: groupDigits(cc.grayscaleParams) };
      parts.push(t(locale, cc.channels === 3 ? 'hover.colour' : 'hover.grayscale', args));
    }
    const kind = layerDef(type).traits.kind;
    if (row.macs === 0 && (kind === 'pooling' || (kind === 'flattening' && layerDef(type).traits.spatial))) {
      parts.push(t(locale, 'hover.poolNoMacs'));
    }
  } else {
    parts.push(layerDoc(locale, type));
    parts.push(t(locale, 'hover.shapeUnknown'));
  }
  return parts.join('\n\n');
}

/** Hover at a position, or null; markdown in `options.locale` (English by default). */
export function hoverAt(text: string, analysis: Analysis, pos: Position, options: LocaleOptions = {}): CoreHover | null {
  const locale = options.locale ?? 'en';
  const line = lineOf(text, pos.line);
  const w = wordAt(line, pos.character);
  const wordRange: Range = { start: { line: pos.line, character: w.start }, end: { line: pos.line, character: w.end } };
  const layer = layerAt(analysis, pos);
  if (layer) {
    const fields = isLayerType(layer.type) ? layerFields(layer.type) : [];
    const f = w.word !== '' && line.slice(w.end).trimStart().startsWith(':') ? findField(fields, w.word) : undefined;
    const onType = w.word === layer.type;
    const doc = f ? keyDoc(locale, f) : onType && isLayerType(layer.type) ? layerDoc(locale, layer.type) : null;
    return { range: f || onType ? wordRange : layer.range, markdown: layerHover(analysis, layer, doc, locale) };
  }
  if (w.word === '') return null;
  // Data set values.
  if ((BUILTIN_DATASETS as readonly string[]).includes(w.word) && /^\s*dataset\s*:/.test(line)) {
    const name = w.word as BuiltinDatasetName;
    const info = DATASETS[name];
    const text = locale === 'ko' ? DATASET_TEXT_KO[name] : info;
    return {
      range: wordRange,
      markdown: t(locale, 'hover.dataset', {
        title: text.title, description: text.description, shape: formatShape(info.inputShape), classes: info.classNames.length,
        train: groupDigits(info.trainCount), test: groupDigits(info.testCount),
      }),
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
      let md = keyDoc(locale, f);
      if (f.key === 'layers' && analysis.summary) {
        md += `\n\n${t(locale, 'hover.layersTotals', { layers: analysis.layers.length, params: groupDigits(analysis.summary.totalParams), macs: compact(analysis.summary.totalMacs) })}`;
      }
      return { range: wordRange, markdown: md };
    }
  }
  return null;
}
