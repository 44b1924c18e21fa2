/** "Did you mean" suggestions by edit distance, ignoring case, `_` and `-`. */

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (prev2[j - 2] ?? 0) + 1);
      cur.push(v);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function normalise(s: string): string {
  return s.toLowerCase().replace(/[_\-\s]/g, '');
}

/**
 * The closest candidate, or undefined when nothing is close enough. `aliases` maps other
 * spellings (normalised) to a candidate, e.g. `maxpooling2d` → `maxpool2d`.
 */
export function closest(word: string, candidates: readonly string[], aliases?: Readonly<Record<string, string>>): string | undefined {
  if (word.length > 64) return undefined;
  const w = normalise(word);
  const alias = aliases?.[w];
  if (alias !== undefined) return alias;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, normalise(c));
    if (d < bestD) { bestD = d; best = c; }
  }
  const limit = Math.max(1, Math.floor(w.length / 3));
  return bestD <= limit ? best : undefined;
}
