/**
 * The variants of the course's two experiments, derived from one model text with the same edits
 * as the editor's commands: "Compare Dropout Placements" (course section 3.5) trains the model
 * without dropout, with the recommended placement and after every conv block (the placements of
 * Configure Dropout Placement, `dropoutPlacementEdits`); "Compare Colour and Grayscale" (3.6.2)
 * trains it on RGB and on grayscale input (`datasetEdits`, the `grayscale` key). Each variant gets
 * its own `name:`, so its runs read apart, and its parameters and MACs from the shape inference.
 * Pure: the host records and trains what this returns.
 */
import { DATASETS } from '../shared/datasets';
import type { ExperimentKind, VariantDefinition, VariantKey } from '../shared/experimentFiles';
import { analyzeModelText } from './analyze';
import { applyEdits, datasetEdits, dropoutPlacementEdits, modelNameEdits, type DropoutPlacement } from './edits';
import type { Locale } from './messages';
import { topMap } from './textEdits';
import type { CoreDiagnostic, Range } from './types';
import { findPair, keyNode, SourceText, valueNode } from './yamlText';

/** One variant to train. */
export type VariantPlan = VariantDefinition;

/** What an experiment trains, in order. */
export interface ExperimentPlan {
  readonly kind: ExperimentKind;
  /** The model's own name. */
  readonly name: string;
  readonly variants: readonly VariantPlan[];
  /** Variants left out because their model is the same as an earlier one's (e.g. no conv block to put dropout after). */
  readonly skipped: readonly { readonly key: VariantKey; readonly sameAs: VariantKey }[];
}

/** Why an experiment cannot be run on this model text; the front ends word it. */
export type ExperimentRefusal =
  /** The model has errors: the editor shows them. */
  | { readonly reason: 'invalid'; readonly errors: readonly CoreDiagnostic[] }
  /** Colour against grayscale on a data set without colour (MNIST, Fashion-MNIST); `range`: its `dataset` value. */
  | { readonly reason: 'noColour'; readonly dataset: string; readonly range: Range | null }
  /** A variant's edited model does not validate (its first error). */
  | { readonly reason: 'variantInvalid'; readonly key: VariantKey; readonly error: string };

export type ExperimentPlanResult =
  | { readonly ok: true; readonly plan: ExperimentPlan }
  | { readonly ok: false; readonly refusal: ExperimentRefusal };

/** The dropout variants in training order: none, the recommended placement, after every conv block. */
export const DROPOUT_VARIANTS: readonly (VariantKey & DropoutPlacement)[] = ['none', 'afterFlatten', 'afterEveryConvBlock'];
/** The colour variants in training order. */
export const COLOUR_VARIANTS: readonly VariantKey[] = ['rgb', 'grayscale'];

/** The rate the recommended placement uses when the model has no dropout yet (Configure Dropout's default). */
const DEFAULT_RATE = 0.5;
/** After conv blocks, lower rates: Configure Dropout's default for that placement. */
const CONV_BLOCK_RATE = 0.25;

/** `-no-dropout`, `-dropout-flatten`, ... appended to the model's name. */
const SUFFIX: Readonly<Record<VariantKey, string>> = {
  none: 'no-dropout', afterFlatten: 'dropout-flatten', afterEveryConvBlock: 'dropout-blocks', rgb: 'rgb', grayscale: 'gray',
};

function datasetRange(text: string): Range | null {
  const src = new SourceText(text);
  const top = topMap(src);
  const pair = top ? findPair(top, 'dataset') : undefined;
  const node = pair ? (valueNode(pair) ?? keyNode(pair)) : null;
  return node?.range ? src.range(node.range[0], node.range[1]) : null;
}

/** The model text with the name and the edits applied, analysed; or why it does not validate. */
function variant(key: VariantKey, baseName: string, text: string, locale: Locale): VariantPlan | ExperimentRefusal {
  const name = `${baseName}-${SUFFIX[key]}`;
  const modelText = applyEdits(text, modelNameEdits(text, name));
  const a = analyzeModelText(modelText, { locale });
  if (a.spec === null || a.summary === null) {
    const first = a.diagnostics.find((d) => d.severity === 'error');
    return { reason: 'variantInvalid', key, error: first?.message ?? 'does not validate' };
  }
  return { key, name, modelText, totalParams: a.summary.totalParams, totalMacs: a.summary.totalMacs, inputShape: a.spec.inputShape };
}

/** The model text without its name line's difference: two variants that train the same model. */
function sameModel(a: VariantPlan, b: VariantPlan): boolean {
  return applyEdits(a.modelText, modelNameEdits(a.modelText, '_')) === applyEdits(b.modelText, modelNameEdits(b.modelText, '_'));
}

/**
 * The variants of an experiment on a model text, or why there are none. The dropout variants keep
 * the model's own dropout rate for the recommended placement (else 0.5) and use 0.25 after conv
 * blocks; a variant that would train the same model as an earlier one is skipped (and said so).
 */
export function planExperiment(kind: ExperimentKind, text: string, locale: Locale = 'en'): ExperimentPlanResult {
  const a = analyzeModelText(text, { locale });
  if (a.spec === null) return { ok: false, refusal: { reason: 'invalid', errors: a.diagnostics.filter((d) => d.severity === 'error') } };
  const spec = a.spec;
  const texts: [VariantKey, string][] = [];
  if (kind === 'dropout') {
    const existing = spec.layers.find((l) => l.type === 'dropout');
    const rate = existing?.type === 'dropout' && existing.rate > 0 ? existing.rate : DEFAULT_RATE;
    for (const key of DROPOUT_VARIANTS) {
      const r = key === 'afterEveryConvBlock' ? CONV_BLOCK_RATE : key === 'none' ? 0 : rate;
      texts.push([key, applyEdits(text, dropoutPlacementEdits(text, key, r))]);
    }
  } else {
    if (spec.dataset.kind === 'builtin' && DATASETS[spec.dataset.name].inputShape[2] !== 3) {
      return { ok: false, refusal: { reason: 'noColour', dataset: spec.dataset.name, range: datasetRange(text) } };
    }
    const target = spec.dataset.kind === 'builtin' ? spec.dataset.name : { folder: spec.dataset.path };
    for (const key of COLOUR_VARIANTS) texts.push([key, applyEdits(text, datasetEdits(text, target, key === 'grayscale'))]);
  }
  const variants: VariantPlan[] = [];
  const skipped: { key: VariantKey; sameAs: VariantKey }[] = [];
  for (const [key, t] of texts) {
    const v = variant(key, spec.name, t, locale);
    if ('reason' in v) return { ok: false, refusal: v };
    const twin = variants.find((w) => sameModel(w, v));
    if (twin !== undefined) skipped.push({ key, sameAs: twin.key });
    else variants.push(v);
  }
  return { ok: true, plan: { kind, name: spec.name, variants, skipped } };
}
