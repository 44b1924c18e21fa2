/**
 * Completion from the text around the cursor (it works while the YAML is incomplete): layer
 * types in the `layers` list, keys of the map the cursor is in, and enum values after `key:`.
 */
import { DATASETS } from '../shared/datasets';
import { ACTIVATIONS, BUILTIN_DATASETS, OPTIMIZERS, PADDINGS } from '../shared/modelSpec';
import { isLayerType, layerDefs, layerFields } from './layers/index';
import { splitLines } from './locate';
import { DATASET_TEXT_KO, t } from './messages';
import type { Locale, LocaleOptions } from './messages';
import { AUGMENT_FIELDS, fieldDoc, findField, FOLDER_FIELDS, layerDoc, TOP_LEVEL_FIELDS, TRAIN_FIELDS } from './schema';
import type { FieldDef } from './schema';
import type { Position } from './types';

export type CompletionKind = 'layer' | 'key' | 'value';

export interface CoreCompletionItem {
  label: string;
  kind: CompletionKind;
  detail?: string;
  documentation?: string;
  /** Text to insert; a snippet (LSP `$1` syntax) when `snippet` is true. Defaults to the label. */
  insertText?: string;
  snippet?: boolean;
  sortText?: string;
}

function layerItems(locale: Locale): CoreCompletionItem[] {
  const detail = t(locale, 'completion.layer');
  return layerDefs().map((d, i) => ({
    label: d.type, kind: 'layer', detail, documentation: layerDoc(locale, d.type),
    insertText: d.snippet, snippet: true, sortText: String(i).padStart(2, '0'),
  }));
}

function keyItems(fields: readonly FieldDef[], present: ReadonlySet<string>, locale: Locale): CoreCompletionItem[] {
  return fields
    .filter((f) => !present.has(f.key) && !(f.aliases ?? []).some((a) => present.has(a)))
    .map((f, i) => ({
      label: f.key, kind: 'key',
      detail: f.required === true ? t(locale, 'completion.required') : f.default !== undefined ? t(locale, 'completion.default', { value: f.default }) : undefined,
      documentation: fieldDoc(locale, f), insertText: `${f.key}: `, sortText: `${f.required === true ? 0 : 1}${String(i).padStart(2, '0')}`,
    }));
}

function valueItems(key: string, owner: string | null, locale: Locale): CoreCompletionItem[] {
  const vals = (vs: readonly string[], doc?: (v: string) => string | undefined): CoreCompletionItem[] =>
    vs.map((v, i) => ({ label: v, kind: 'value', documentation: doc?.(v), sortText: String(i).padStart(2, '0') }));
  // A layer key that is not an enum or a bool (`zeropadding2d`'s `padding` is a number pair).
  const field = owner !== null && isLayerType(owner) ? findField(layerFields(owner), key) : undefined;
  if (field && field.kind !== 'enum' && field.kind !== 'bool') return [];
  if (field?.kind === 'bool') return vals(['true', 'false']);
  switch (key) {
    case 'activation': return vals(ACTIVATIONS);
    case 'padding': return vals(PADDINGS, (v) => t(locale, v === 'same' ? 'completion.paddingSame' : 'completion.paddingValid'));
    case 'optimizer': return vals(OPTIMIZERS);
    case 'dataset':
      if (owner !== null) return [];
      return [
        ...vals(BUILTIN_DATASETS, (v) => (locale === 'ko' ? DATASET_TEXT_KO : DATASETS)[v as keyof typeof DATASETS].description),
        { label: '{ folder: … }', kind: 'value', documentation: t(locale, 'completion.folder'), insertText: '{ folder: ${1:./images}, imageSize: [${2:32}, ${3:32}] }', snippet: true, sortText: '99' },
      ];
    case 'grayscale': case 'useBias': case 'use_bias': case 'flipHorizontal':
      return vals(['true', 'false']);
    default: return [];
  }
}

function fieldsFor(owner: string | null): readonly FieldDef[] {
  if (owner === null) return TOP_LEVEL_FIELDS;
  if (isLayerType(owner)) return layerFields(owner);
  if (owner === 'train') return TRAIN_FIELDS;
  if (owner === 'augment') return AUGMENT_FIELDS;
  if (owner === 'dataset') return FOLDER_FIELDS;
  return [];
}

const indentOf = (l: string): number => /^\s*/.exec(l)?.[0].length ?? 0;
const blank = (l: string): boolean => /^\s*(#.*)?$/.test(l);

/** The key that owns a block line at `indent` (null for the top level), scanning upward. */
function blockOwner(lines: readonly string[], lineNo: number, indent: number, isDash: boolean): { key: string | null; line: number } {
  for (let i = lineNo - 1; i >= 0; i--) {
    const l = lines[i] ?? '';
    if (blank(l)) continue;
    const ind = indentOf(l);
    const m = /^\s*(?:-\s+)?([\w-]+)\s*:\s*(#.*)?$/.exec(l);
    // `layers:` may hold its dashes at its own indentation.
    if (ind < indent || (isDash && ind === indent && m && !/^\s*-/.test(l))) {
      if (m) {
        // For `- conv2d:` the parameters sit deeper than the dash.
        return { key: m[1] ?? null, line: i };
      }
      if (/^\s*-\s/.test(l) && ind < indent) {
        const mm = /^\s*-\s+([\w-]+)\s*:/.exec(l);
        return { key: mm?.[1] ?? null, line: i };
      }
      return { key: null, line: -1 };
    }
  }
  return { key: null, line: -1 };
}

function presentBlockKeys(lines: readonly string[], ownerLine: number, indent: number): Set<string> {
  const out = new Set<string>();
  for (let i = ownerLine + 1; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (blank(l)) continue;
    const ind = indentOf(l);
    if (ownerLine >= 0 && ind < indent) break;
    const m = /^\s*([\w-]+)\s*:/.exec(l);
    if (ind === indent && m?.[1]) out.add(m[1]);
  }
  return out;
}

/** Completion items at `pos`; details and docs in `options.locale` (English by default). */
export function completionsAt(text: string, pos: Position, options: LocaleOptions = {}): CoreCompletionItem[] {
  const locale = options.locale ?? 'en';
  const lines = splitLines(text);
  const full = lines[pos.line] ?? '';
  const head = full.slice(0, pos.character);
  if (/#/.test(head.replace(/"[^"]*"|'[^']*'/g, ''))) return [];

  // Flow map on this line: `- conv2d: { filters: 32, | }`.
  let depth = 0, brace = -1;
  for (let i = head.length - 1; i >= 0; i--) {
    const ch = head[i];
    if (ch === '}' || ch === ']') depth++;
    else if (ch === '{' || ch === '[') {
      if (depth === 0) { brace = i; break; }
      depth--;
    }
  }
  if (brace >= 0) {
    if (head[brace] === '[') return [];
    const ownerM = /([\w-]+)\s*:\s*$/.exec(head.slice(0, brace));
    const owner = ownerM?.[1] ?? null;
    const inner = head.slice(brace + 1);
    const seg = inner.slice(Math.max(inner.lastIndexOf(','), -1) + 1);
    const kv = /^\s*([\w-]+)\s*:\s*([\w-]*)$/.exec(seg);
    if (kv?.[1]) return valueItems(kv[1], owner === 'dataset' ? 'dataset' : owner ?? 'flow', locale);
    if (!/^\s*[\w-]*$/.test(seg) || owner === null) return [];
    const present = new Set([...full.slice(brace).matchAll(/([\w-]+)\s*:/g)].map((m) => m[1] ?? ''));
    return keyItems(fieldsFor(owner), present, locale);
  }

  // `  - |` in a list: layer types when the list is `layers`.
  const dash = /^(\s*)-\s+([\w-]*)$/.exec(head);
  if (dash) {
    const owner = blockOwner(lines, pos.line, dash[1]?.length ?? 0, true);
    return owner.key === 'layers' ? layerItems(locale) : [];
  }
  // `key: |` → values.
  const kv = /^(\s*)(-\s+)?([\w-]+)\s*:\s*([\w-]*)$/.exec(head);
  if (kv?.[3]) {
    const indent = kv[1]?.length ?? 0;
    const key = kv[3];
    if (kv[2] !== undefined) return key === 'activation' ? valueItems('activation', 'layers', locale) : [];
    const owner = indent === 0 ? null : blockOwner(lines, pos.line, indent, false).key;
    if (owner !== null && !findField(fieldsFor(owner), key)) return [];
    return valueItems(key, owner, locale);
  }
  // A key position: `  |`.
  const k = /^(\s*)([\w-]*)$/.exec(head);
  if (k) {
    const indent = k[1]?.length ?? 0;
    const owner = indent === 0 ? { key: null, line: -1 } : blockOwner(lines, pos.line, indent, false);
    if (indent > 0 && owner.key === null) return [];
    if (owner.key === 'layers') return [];
    const present = presentBlockKeys(lines, owner.line, indent);
    present.delete(k[2] ?? '');
    return keyItems(fieldsFor(owner.key), present, locale);
  }
  return [];
}
