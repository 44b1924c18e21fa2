/**
 * What a user does in the VS Code workbench, as Playwright steps on the DOM the user sees:
 * the Command Palette, Quick Open, the status bar, the Problems count, editor squiggles and
 * the text inside webviews. No extension internals.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';

export class Workbench {
  private shot = 0;

  constructor(readonly page: Page, readonly outputDir: string) {
    mkdirSync(outputDir, { recursive: true });
  }

  /** Saves `NN-name.png` under the output folder and returns its path. */
  async screenshot(name: string): Promise<string> {
    this.shot++;
    const file = join(this.outputDir, `${String(this.shot).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Saves `NN-name.png` of one element (e.g. a section inside a webview) and returns its path. */
  async elementScreenshot(element: Locator, name: string): Promise<string> {
    this.shot++;
    const file = join(this.outputDir, `${String(this.shot).padStart(2, '0')}-${name}.png`);
    await element.screenshot({ path: file });
    return file;
  }

  /** Loads the workbench and waits until the folder's explorer tree exists (the remote side is connected). */
  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 90_000 });
    await this.page.waitForSelector('.explorer-folders-view', { state: 'attached', timeout: 90_000 });
  }

  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget input.input');
  }

  /**
   * Runs a command by its palette title. The palette takes its command list when it opens, and an
   * extension's commands appear only once the extension host is up: so look, close and retry.
   */
  async runCommand(title: string, timeoutMs = 90_000): Promise<void> {
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!(await this.quickInput.isVisible())) {
        await this.page.keyboard.press('F1');
        await this.quickInput.waitFor({ state: 'visible', timeout: 3000 }).catch(() => undefined);
        if (!(await this.quickInput.isVisible())) continue;
      }
      await this.quickInput.fill(`>${title}`);
      if (await row.waitFor({ state: 'visible', timeout: 2500 }).then(() => true, () => false)) {
        await row.click();
        return;
      }
      await this.page.keyboard.press('Escape');
      await this.page.waitForTimeout(1000);
    }
    await this.screenshot('palette-missing-command');
    throw new Error(`the Command Palette never listed "${title}"`);
  }

  /** Opens a workspace file with Quick Open (Ctrl+P), as a user types its name. */
  async quickOpen(fileName: string): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Control+P');
    await this.quickInput.waitFor({ state: 'visible', timeout: 10_000 });
    await this.quickInput.fill(fileName);
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    await this.page.keyboard.press('Enter');
    await this.activeTab(fileName).waitFor({ state: 'visible', timeout: 30_000 });
  }

  activeTab(label: string): Locator {
    return this.page.locator('.tabs-container .tab.active', { hasText: label });
  }

  /** The focused editor's text area, to type into. */
  editor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor').first();
  }

  /** Moves the cursor to a 1-based line with "Go to Line" (Ctrl+G), then to the first non-blank character. */
  async goToLine(line: number): Promise<void> {
    await this.editor().click();
    await this.page.keyboard.press('Control+G');
    await this.quickInput.waitFor({ state: 'visible', timeout: 10_000 });
    await this.quickInput.fill(`:${line}`);
    await this.page.keyboard.press('Enter');
    await this.quickInput.waitFor({ state: 'hidden', timeout: 10_000 });
    await this.page.keyboard.press('Home');
  }

  /** Error squiggles rendered in the active editor. */
  errorSquiggles(): Locator {
    return this.editor().locator('.squiggly-error');
  }

  /** The text the active editor shows (its rendered lines). */
  async editorText(): Promise<string> {
    return (await this.editor().locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
  }

  /** Error and warning counts of the Problems status bar entry, as the user reads them. */
  async problemCounts(): Promise<{ errors: number; warnings: number }> {
    const item = this.page.locator('.statusbar-item#status\\.problems');
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    const label = (await item.locator('a').first().getAttribute('aria-label')) ?? (await item.innerText());
    if (/no problems/i.test(label)) return { errors: 0, warnings: 0 };
    const errors = /(\d+)\s*error/i.exec(label) ?? /errors?:\s*(\d+)/i.exec(label);
    const warnings = /(\d+)\s*warning/i.exec(label) ?? /warnings?:\s*(\d+)/i.exec(label);
    if (errors === null) throw new Error(`cannot read the problems count from "${label}"`);
    return { errors: Number(errors[1]), warnings: Number(warnings?.[1] ?? 0) };
  }

  /** Waits until `check` holds for the problems count. */
  async waitForProblems(check: (c: { errors: number; warnings: number }) => boolean, what: string, timeoutMs = 30_000): Promise<{ errors: number; warnings: number }> {
    const deadline = Date.now() + timeoutMs;
    let last = { errors: -1, warnings: -1 };
    while (Date.now() < deadline) {
      last = await this.problemCounts();
      if (check(last)) return last;
      await this.page.waitForTimeout(200);
    }
    throw new Error(`the Problems count never showed ${what} (last: ${last.errors} errors, ${last.warnings} warnings)`);
  }

  /** Dismisses the notification toasts on screen ("Notifications: Clear All Notifications"), as a user closes them. */
  async clearNotifications(): Promise<void> {
    const toasts = this.page.locator('.notifications-toasts .notification-toast');
    if (await toasts.count() === 0) return;
    await this.runCommand('Notifications: Clear All Notifications');
    await toasts.first().waitFor({ state: 'detached', timeout: 10_000 });
  }

  /** Messages of the notification toasts on screen (errors stay until dismissed). */
  /** Appends what the user saw (a screenshot, the notifications on screen) to a failed test's error. */
  async explainFailure(test: { state?: string; title: string; err?: Error } | undefined): Promise<void> {
    if (test?.state !== 'failed' || test.err === undefined) return;
    const shot = await this.screenshot(`FAILED-${test.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`).catch(() => 'none');
    const notes = await this.notifications();
    test.err.message += `\n      on screen: ${notes.length > 0 ? notes.map((n) => JSON.stringify(n)).join(', ') : 'no notifications'}; screenshot ${shot}`;
  }

  async notifications(): Promise<string[]> {
    const texts = await this.page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts().catch(() => []);
    return texts.map((t) => t.replace(/\s+/g, ' ').trim()).filter((t) => t !== '');
  }

  /** Texts of all status bar entries. */
  async statusBarTexts(): Promise<string[]> {
    return (await this.page.locator('.part.statusbar .statusbar-item').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()).filter((t) => t !== '');
  }

  /** Content frames of all webviews currently in the page (the extension's HTML, inside VS Code's host frame). */
  webviewFrames(): Frame[] {
    return this.page.frames().filter((f) => f.name() === 'active-frame' || /\/pre\/fake\.html/.test(f.url()));
  }

  /** The first webview (other than `exclude`) whose visible text matches `pattern`, once one does. */
  async webviewWithText(pattern: RegExp, what: string, timeoutMs = 60_000, exclude: readonly Frame[] = []): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const f of this.webviewFrames()) {
        if (exclude.includes(f)) continue;
        const text = await f.locator('body').innerText({ timeout: 1000 }).catch(() => '');
        if (pattern.test(text)) return f;
      }
      await this.page.waitForTimeout(250);
    }
    const seen = await Promise.all(this.webviewFrames().map((f) => f.locator('body').innerText({ timeout: 1000 }).catch(() => '')));
    throw new Error(`no webview showed ${what} (${pattern.source}); webview texts: ${seen.map((s) => JSON.stringify(s.slice(0, 200))).join(' | ') || 'no webviews'}`);
  }

  async frameText(frame: Frame): Promise<string> {
    return frame.locator('body').innerText({ timeout: 5000 });
  }
}

/** Counts the drawn (non-background) pixels of a PNG: how much ink a chart shows. */
/**
 * Pixels that differ between two screenshots of the same element (any channel by more than 24),
 * or every pixel when their sizes differ: how much of a chart was redrawn between two looks.
 */
export async function changedPixels(a: Buffer, b: Buffer): Promise<number> {
  const { PNG } = await import('pngjs');
  const x = PNG.sync.read(a);
  const y = PNG.sync.read(b);
  if (x.width !== y.width || x.height !== y.height) return Math.max(x.width * x.height, y.width * y.height);
  let changed = 0;
  for (let i = 0; i < x.data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      if (Math.abs((x.data[i + c] ?? 0) - (y.data[i + c] ?? 0)) > 24) { changed++; break; }
    }
  }
  return changed;
}

export async function inkPixels(png: Buffer): Promise<number> {
  const { PNG } = await import('pngjs');
  const img = PNG.sync.read(png);
  const counts = new Map<number, number>();
  const data = img.data;
  for (let i = 0; i < data.length; i += 4) {
    const key = ((data[i] ?? 0) << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let background = 0;
  for (const c of counts.values()) background = Math.max(background, c);
  return img.width * img.height - background;
}
