/** Number formatting shared by the language (hovers, hints, lenses, the summary table) and the webviews, so a number reads the same everywhere. */

/** 220234 → "220,234". */
export function groupDigits(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 3612672 → "3.61M", 950 → "950". */
export function compact(n: number): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [v, s] of units) if (Math.abs(n) >= v) return `${(n / v).toPrecision(3).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')}${s}`;
  return String(n);
}

/** Bytes as "860.29 KB" (Keras uses powers of 1024 with these unit names). */
export function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(2)} ${units[i] ?? 'B'}`;
}
