/** Small DOM helpers shared by the webview apps (no framework: the pages are small and CSP-strict). */

type Attrs = Record<string, string | number | boolean | undefined>;

/** Creates an element with attributes (booleans set or omit the attribute) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: (Node | string | null | undefined)[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: (Node | string | null | undefined)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

/** A canvas `w`×`h` pixels drawn from RGBA data, shown `scale` times larger without smoothing. */
export function pixelCanvas(rgba: Uint8ClampedArray, w: number, hgt: number, scale: number, label: string): HTMLCanvasElement {
  const canvas = h('canvas', { width: w, height: hgt, class: 'pixels', role: 'img', 'aria-label': label });
  const ctx = canvas.getContext('2d');
  if (ctx !== null && w > 0 && hgt > 0) ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), w, hgt), 0, 0);
  // CSSOM (not a style attribute), which the CSP allows.
  canvas.style.width = `${Math.round(w * scale)}px`;
  canvas.style.height = `${Math.round(hgt * scale)}px`;
  return canvas;
}

/** A theme colour from VS Code's CSS variables, with a fallback outside VS Code. */
export function themeColour(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v !== '' ? v : fallback;
}

/** Reports uncaught errors to the host's log (the webview has no console the user sees). */
export function reportErrors(post: (m: unknown) => void): void {
  window.addEventListener('error', (e) => post({ type: 'webviewError', message: String(e.message).slice(0, 2000) }));
  window.addEventListener('unhandledrejection', (e) => post({ type: 'webviewError', message: String(e.reason).slice(0, 2000) }));
}
