/**
 * The user's own input: on MNIST-like data (28×28, one channel) a drawing pad whose strokes are
 * made into an MNIST digit (preprocess.ts `mnistFromDrawing`) when a stroke ends; on any data set
 * an image file, picked or dropped anywhere on the dashboard, resized as the data set's images are.
 * The result is shown as the model sees it and handed to `submit` (the dashboard asks the model).
 * Files are decoded with `createImageBitmap`, which needs no URL, so the strict CSP holds.
 * VS Code hands a file dragged from the desktop to a webview only while Shift is held (without it
 * the workbench opens the file in an editor), and one dragged from its own Explorer arrives as a
 * URI without the file's bytes: the section says both.
 */
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import * as l10n from '@vscode/l10n';
import type { ImagePayload } from '../../src/shared/trainerProtocol';
import type { DashboardFeatureMaps } from '../../src/shared/webviewProtocol';
import { h } from '../common/dom';
import { formatPercent, topClasses } from '../common/math';
import { encodeBase64, imageForModel, mnistFromDrawing } from '../common/preprocess';
import { imageCanvas } from './featureMaps';

/** The pad's drawing surface in canvas pixels, and its stroke (MNIST's pen, scaled: ~2.5 of 28 pixels). */
const PAD_PX = 280;
const PEN_PX = 24;

export class OwnInputView {
  readonly element: HTMLElement;
  private readonly padBox: HTMLElement;
  private readonly pad: HTMLCanvasElement;
  private readonly preview: HTMLElement;
  private readonly status: HTMLElement;
  private readonly invert: HTMLElement & { checked: boolean };
  private readonly invertField: HTMLElement;
  private shape: readonly [number, number, number] | null = null;
  private drawing = false;
  private last: { x: number; y: number } | null = null;

  constructor(private readonly submit: (image: ImagePayload) => void) {
    this.pad = h('canvas', { id: 'draw-pad', width: PAD_PX, height: PAD_PX, class: 'draw-pad', role: 'img', 'aria-label': l10n.t('Drawing pad: draw a digit with the mouse, pen or finger') });
    const clear = h('vscode-button', { id: 'draw-clear', secondary: true }, l10n.t('Clear'));
    clear.addEventListener('click', () => this.clearPad());
    this.padBox = h('div', { class: 'draw-box' },
      h('p', {}, l10n.t('Draw a digit: it is scaled into 20×20 pixels and centred by its centre of mass in 28×28, as MNIST\'s digits were, then shown to the model.')),
      h('div', { class: 'toolbar' }, this.pad, h('div', { class: 'draw-side' }, clear)));
    const file = h('input', { type: 'file', id: 'image-file', accept: 'image/png,image/jpeg,image/gif,image/webp,image/bmp', class: 'file-input' });
    file.addEventListener('change', () => {
      const f = file.files?.[0];
      if (f !== undefined) void this.useFile(f);
      file.value = '';
    });
    this.invert = h('vscode-checkbox', { id: 'image-invert' }, l10n.t('Dark digit on a light background: invert it (MNIST digits are light on dark)'));
    this.invertField = h('div', {}, this.invert);
    this.preview = h('div', { class: 'own-preview', id: 'own-preview' });
    this.status = h('p', { class: 'muted', id: 'own-status', role: 'status' });
    this.element = h('section', { id: 'own-input', 'aria-labelledby': 'own-title' },
      h('h2', { id: 'own-title' }, l10n.t('Your own input')),
      this.padBox,
      h('div', { class: 'toolbar' },
        h('label', { for: 'image-file' }, l10n.t('Or an image file:')), file,
        h('span', { class: 'muted', id: 'drop-hint' }, l10n.t('or drop one from your file manager anywhere on the dashboard: hold Shift while dropping (without it, VS Code opens the file in an editor)'))),
      this.invertField,
      this.preview,
      this.status);
    this.wirePad();
    this.wireDrop();
    this.clearPad();
  }

  /**
   * Drops anywhere on the page go to this section (the one place that takes files): a file goes the
   * file picker's way; a drag that carries no file (text, or a URI from VS Code's Explorer) is told
   * what to do instead.
   */
  private wireDrop(): void {
    const accepts = (e: DragEvent): boolean => {
      const types = Array.from(e.dataTransfer?.types ?? []);
      return !this.element.hidden && (types.includes('Files') || types.includes('text/uri-list'));
    };
    const over = (e: DragEvent): void => {
      if (!accepts(e)) return;
      e.preventDefault();
      if (e.dataTransfer !== null) e.dataTransfer.dropEffect = 'copy';
      this.element.classList.add('drop-target');
    };
    document.addEventListener('dragenter', over);
    document.addEventListener('dragover', over);
    // relatedTarget null: the drag left the page (moving between elements fires dragleave too).
    document.addEventListener('dragleave', (e) => { if (e.relatedTarget === null) this.element.classList.remove('drop-target'); });
    document.addEventListener('dragend', () => this.element.classList.remove('drop-target'));
    document.addEventListener('drop', (e) => {
      if (!accepts(e)) return;
      e.preventDefault();
      this.element.classList.remove('drop-target');
      const f = e.dataTransfer?.files[0];
      this.element.scrollIntoView({ block: 'nearest' });
      if (f !== undefined) void this.useFile(f);
      else this.say(l10n.t('Only the name of the file arrived, not the file: VS Code passes files from its own Explorer that way. Drop the image from your file manager while holding Shift, or choose it with the file button.'), true);
    });
  }

  /** The model's input shape decides what is offered: the pad only for MNIST-like input. */
  setShape(shape: readonly [number, number, number] | null): void {
    this.shape = shape;
    const mnistLike = shape !== null && shape[0] === 28 && shape[1] === 28 && shape[2] === 1;
    this.padBox.hidden = !mnistLike;
    this.invertField.hidden = shape === null || shape[2] !== 1;
    this.element.hidden = shape === null;
  }

  private wirePad(): void {
    const at = (e: PointerEvent): { x: number; y: number } => {
      const r = this.pad.getBoundingClientRect();
      return { x: (e.clientX - r.left) * (PAD_PX / Math.max(1, r.width)), y: (e.clientY - r.top) * (PAD_PX / Math.max(1, r.height)) };
    };
    this.pad.addEventListener('pointerdown', (e) => {
      this.drawing = true;
      this.last = at(e);
      this.pad.setPointerCapture?.(e.pointerId);
      this.stroke(this.last, this.last);
    });
    this.pad.addEventListener('pointermove', (e) => {
      if (!this.drawing || this.last === null) return;
      const p = at(e);
      this.stroke(this.last, p);
      this.last = p;
    });
    const end = (): void => {
      if (!this.drawing) return;
      this.drawing = false;
      this.last = null;
      this.useDrawing();
    };
    this.pad.addEventListener('pointerup', end);
    this.pad.addEventListener('pointercancel', end);
  }

  private stroke(a: { x: number; y: number }, b: { x: number; y: number }): void {
    const ctx = this.pad.getContext('2d');
    if (ctx === null) return;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = PEN_PX;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
  }

  private clearPad(): void {
    const ctx = this.pad.getContext('2d');
    if (ctx === null) return;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, PAD_PX, PAD_PX);
    this.preview.replaceChildren();
    this.say('');
  }

  /** The pad's strokes as an MNIST digit, sent to the model. */
  private useDrawing(): void {
    const ctx = this.pad.getContext('2d');
    if (ctx === null) return;
    const rgba = ctx.getImageData(0, 0, PAD_PX, PAD_PX).data;
    const gray = new Uint8Array(PAD_PX * PAD_PX);
    for (let i = 0; i < gray.length; i++) gray[i] = rgba[i * 4] ?? 0;
    const digit = mnistFromDrawing(gray, PAD_PX, PAD_PX);
    if (digit === null) { this.say(l10n.t('Nothing is drawn yet.'), true); return; }
    this.send({ width: 28, height: 28, channels: 1, pixelsBase64: encodeBase64(digit) }, l10n.t('Your drawing as MNIST preprocessing makes it (28×28)'));
  }

  private async useFile(file: File): Promise<void> {
    const shape = this.shape;
    if (shape === null) return;
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch {
      this.say(l10n.t('{0} could not be read as an image. Use a PNG, JPEG, GIF, WebP or BMP file.', file.name), true);
      return;
    }
    const canvas = h('canvas', { width: bitmap.width, height: bitmap.height });
    const ctx = canvas.getContext('2d');
    if (ctx === null) return;
    ctx.drawImage(bitmap, 0, 0);
    const rgba = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const px = imageForModel(rgba, bitmap.width, bitmap.height, shape, !this.invertField.hidden && this.invert.checked);
    bitmap.close();
    this.send({ width: shape[1], height: shape[0], channels: shape[2] === 3 ? 3 : 1, pixelsBase64: encodeBase64(px) },
      l10n.t('{0} resized to {1}×{2}, as the data set\'s images are', file.name, shape[1], shape[0]));
  }

  private send(image: ImagePayload, caption: string): void {
    this.preview.replaceChildren(h('figure', {}, imageCanvas(image, 4, caption), h('figcaption', {}, caption)));
    this.say(l10n.t('Asking the model…'));
    this.submit(image);
  }

  /**
   * The model's answer about the own input (also each refresh while the run trains), said under
   * the input, where the user drew: the feature-map section above draws the rest.
   */
  answered(fm: DashboardFeatureMaps, classNames: readonly string[]): void {
    const best = fm.probabilities !== undefined ? topClasses(fm.probabilities, 1)[0] : undefined;
    if (best === undefined) { this.say(''); return; }
    this.say(l10n.t('The model reads it as {0} ({1}) after epoch {2}; its feature maps are under Feature maps above.',
      classNames[best[0]] ?? String(best[0]), formatPercent(best[1], 1), fm.epoch));
  }

  /** A status or error line under the input. */
  say(text: string, error = false): void {
    this.status.textContent = text;
    this.status.className = error ? 'error' : 'muted';
  }
}
