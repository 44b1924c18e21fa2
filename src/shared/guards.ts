/**
 * The value checks every runtime guard of a boundary is made of (webview messages, the comparison
 * panel's messages, experiment.json), so each guard reads as the shape it checks.
 */

export type Obj = Record<string, unknown>;
/** A plain object (not null, not an array). */
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A finite number. */
export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isNumOrNull = (v: unknown): boolean => v === null || isNum(v);
export const isStr = (v: unknown): v is string => typeof v === 'string';
export const isStrOrNull = (v: unknown): boolean => v === null || isStr(v);
/** An integer ≥ 0. */
export const isNat = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
/** An integer ≥ 1. */
export const isPosInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
export const isArrOf = (v: unknown, item: (x: unknown) => boolean): boolean => Array.isArray(v) && v.every(item);
/** One of `list`'s values. */
export const isOneOf = <T>(list: readonly T[], v: unknown): v is T => (list as readonly unknown[]).includes(v);

/** `text` parsed as JSON when it passes `guard`; null when it does not parse or does not pass (a torn or foreign file). */
export function parseJsonAs<T>(text: string, guard: (v: unknown) => v is T): T | null {
  try {
    const v: unknown = JSON.parse(text);
    return guard(v) ? v : null;
  } catch {
    return null;
  }
}
