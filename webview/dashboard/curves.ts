/**
 * Live training curves with uPlot (canvas, CSP-clean): loss and accuracy per batch (raw and
 * smoothed) and per epoch (training against validation, the gap between them shaded), with other
 * runs' validation curves overlaid for comparison.
 */
import uPlot from 'uplot';
import * as l10n from '@vscode/l10n';
import type { ComparisonRun, DashboardBatch, DashboardEpoch } from '../../src/shared/webviewProtocol';
import { batchX, emaSmooth, formatPercent } from '../common/math';
import { h, themeColour } from '../common/dom';

type Data = uPlot.AlignedData;

interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly percent: boolean;
}

const CHART_HEIGHT = 180;

function palette(): { train: string; val: string; raw: string; others: string[]; grid: string; text: string; gap: string } {
  return {
    train: themeColour('--vscode-charts-blue', '#3794ff'),
    val: themeColour('--vscode-charts-orange', '#d18616'),
    raw: themeColour('--vscode-disabledForeground', '#888888'),
    others: ['--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow']
      .map((v, i) => themeColour(v, ['#89d185', '#b180d7', '#f14c4c', '#cca700'][i] ?? '#888')),
    grid: themeColour('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)'),
    text: themeColour('--vscode-foreground', '#cccccc'),
    gap: themeColour('--vscode-charts-red', '#f14c4c'),
  };
}

function axes(percent: boolean, xLabel: string): uPlot.Axis[] {
  const p = palette();
  const base = { stroke: p.text, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 } };
  return [
    { ...base, label: xLabel },
    { ...base, values: (_u, splits) => splits.map((v) => (percent ? `${Math.round(v * 100)}%` : v.toPrecision(2))) },
  ];
}

/** Mean of the last `n` batches' throughput, for the ETA line. */
export function recentThroughput(batches: readonly DashboardBatch[], n = 10): number | null {
  const tail = batches.slice(-n);
  return tail.length === 0 ? null : tail.reduce((a, b) => a + b.samplesPerSec, 0) / tail.length;
}

/** The four charts, kept across updates (setData, not re-creation). */
export class Curves {
  readonly element: HTMLElement;
  private charts = new Map<string, { plot: uPlot; box: HTMLElement; spec: ChartSpec; labels: string }>();
  private smoothing = 0.6;
  private batches: readonly DashboardBatch[] = [];
  private epochs: readonly DashboardEpoch[] = [];
  private comparisons: readonly ComparisonRun[] = [];
  private shown = new Set<string>();
  private readonly comparePicker: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly gapNote: HTMLElement;
  private lastWidth = 0;
  private fitPending = false;
  // Deferred to the next frame and only on a real width change: resizing the charts inside the
  // observer callback would re-trigger it ("ResizeObserver loop").
  private readonly resize = new ResizeObserver(() => {
    if (this.fitPending) return;
    this.fitPending = true;
    requestAnimationFrame(() => { this.fitPending = false; this.fit(); });
  });

  constructor(
    initialSmoothing: number,
    private readonly onSmoothingChange: (v: number) => void,
    /** Run folders ticked for comparison before the page was last unloaded (hidden). */
    initialCompare: readonly string[] = [],
    private readonly onCompareChange: (runDirs: string[]) => void = () => undefined,
  ) {
    this.smoothing = initialSmoothing;
    this.shown = new Set(initialCompare);
    const slider = h('input', {
      type: 'range', min: 0, max: 0.99, step: 0.01, value: initialSmoothing, id: 'smoothing',
      'aria-label': l10n.t('Smoothing of the batch curves'),
    });
    const sliderValue = h('span', { class: 'muted', id: 'smoothing-value' }, initialSmoothing.toFixed(2));
    slider.addEventListener('input', () => {
      this.smoothing = Number(slider.value);
      sliderValue.textContent = this.smoothing.toFixed(2);
      this.onSmoothingChange(this.smoothing);
      this.updateBatchCharts();
    });
    this.comparePicker = h('div', { class: 'compare', role: 'group', 'aria-label': l10n.t('Compare with other runs') });
    this.gapNote = h('p', { class: 'gap-note', id: 'gap-note' });
    this.grid = h('div', { class: 'charts' });
    this.element = h('section', { id: 'curves', 'aria-labelledby': 'curves-title' },
      h('h2', { id: 'curves-title' }, l10n.t('Training curves')),
      h('div', { class: 'toolbar' }, h('label', { for: 'smoothing' }, l10n.t('Smoothing')), slider, sliderValue),
      this.gapNote,
      this.grid,
      this.comparePicker,
    );
    const specs: ChartSpec[] = [
      { id: 'batch-loss', title: l10n.t('Loss per batch'), percent: false },
      { id: 'batch-acc', title: l10n.t('Accuracy per batch'), percent: true },
      { id: 'epoch-loss', title: l10n.t('Loss per epoch'), percent: false },
      { id: 'epoch-acc', title: l10n.t('Accuracy per epoch (shaded: overfitting gap)'), percent: true },
    ];
    for (const spec of specs) {
      const box = h('figure', { class: 'chart', id: spec.id, 'data-points': 0 }, h('figcaption', {}, spec.title));
      this.grid.append(box);
      this.charts.set(spec.id, { plot: this.makePlot(spec, box, []), box, spec, labels: '' });
    }
    this.resize.observe(this.grid);
  }

  setData(batches: readonly DashboardBatch[], epochs: readonly DashboardEpoch[], comparisons: readonly ComparisonRun[]): void {
    this.batches = batches;
    this.epochs = epochs;
    if (comparisons !== this.comparisons) {
      this.comparisons = comparisons;
      this.renderComparePicker();
    }
    this.updateBatchCharts();
    this.updateEpochCharts();
  }

  updateBatches(batches: readonly DashboardBatch[]): void {
    this.batches = batches;
    this.updateBatchCharts();
  }

  updateEpochs(epochs: readonly DashboardEpoch[]): void {
    this.epochs = epochs;
    this.updateEpochCharts();
  }

  private width(): number {
    return Math.max(240, Math.floor((this.grid.clientWidth || 800) / (this.grid.clientWidth > 900 ? 2 : 1)) - 16);
  }

  private fit(): void {
    const w = this.width();
    if (w === this.lastWidth) return;
    this.lastWidth = w;
    for (const c of this.charts.values()) c.plot.setSize({ width: w, height: CHART_HEIGHT });
  }

  private makePlot(spec: ChartSpec, box: HTMLElement, comparisonLabels: readonly string[]): uPlot {
    const p = palette();
    const isBatch = spec.id.startsWith('batch');
    const series: uPlot.Series[] = [{ label: l10n.t('Epoch') }];
    const fmt = (_u: uPlot, v: number | null): string => (v === null ? '–' : spec.percent ? formatPercent(v) : v.toFixed(4));
    if (isBatch) {
      series.push({ label: l10n.t('raw'), stroke: p.raw, width: 1, value: fmt });
      series.push({ label: l10n.t('smoothed'), stroke: p.train, width: 2, value: fmt });
    } else {
      series.push({ label: l10n.t('training'), stroke: p.train, width: 2, value: fmt, points: { show: true, size: 5 } });
      series.push({ label: l10n.t('validation'), stroke: p.val, width: 2, value: fmt, points: { show: true, size: 5 } });
      for (const [i, label] of comparisonLabels.entries()) {
        series.push({ label, stroke: p.others[i % p.others.length], width: 1.5, dash: [6, 4], value: fmt });
      }
    }
    const opts: uPlot.Options = {
      width: this.width(),
      height: CHART_HEIGHT,
      series,
      axes: axes(spec.percent, l10n.t('epoch')),
      scales: { x: { time: false } },
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false } },
      ...(spec.id === 'epoch-acc'
        ? { bands: [{ series: [1, 2] as [number, number], fill: `color-mix(in srgb, ${p.gap} 22%, transparent)` }] }
        : {}),
    };
    return new uPlot(opts, [[]], box);
  }

  private replot(id: string, data: Data, labels: readonly string[] = []): void {
    const c = this.charts.get(id);
    if (c === undefined) return;
    const key = labels.join('\n');
    if (!id.startsWith('batch') && key !== c.labels) {
      // uPlot's series are fixed at creation: a changed comparison set means a new plot.
      c.plot.destroy();
      c.plot = this.makePlot(c.spec, c.box, labels);
      c.labels = key;
    }
    c.plot.setData(data);
    const points = (data[0] as ArrayLike<number>).length;
    c.box.setAttribute('data-points', String(points));
    const last = (data[2] ?? data[1]) as ArrayLike<number | null | undefined> | undefined;
    const lastVal = last !== undefined && last.length > 0 ? last[last.length - 1] : null;
    c.box.setAttribute('aria-label', `${c.spec.title}: ${l10n.t('{0} points', points)}${typeof lastVal === 'number'
      ? `, ${l10n.t('last {0}', c.spec.percent ? formatPercent(lastVal) : lastVal.toFixed(4))}` : ''}`);
  }

  private updateBatchCharts(): void {
    const xs = this.batches.map((b) => batchX(b.epoch, b.batch, b.batchesPerEpoch));
    const loss = this.batches.map((b) => b.loss);
    const acc = this.batches.map((b) => b.acc);
    this.replot('batch-loss', [xs, loss, emaSmooth(loss, this.smoothing)]);
    this.replot('batch-acc', [xs, acc, emaSmooth(acc, this.smoothing)]);
  }

  private updateEpochCharts(): void {
    const others = this.comparisons.filter((c) => this.shown.has(c.runDir));
    const maxEpoch = Math.max(0, ...this.epochs.map((e) => e.epoch), ...others.flatMap((c) => c.epochs.map((e) => e.epoch)));
    const xs = Array.from({ length: maxEpoch }, (_, i) => i + 1);
    const at = <T>(list: readonly DashboardEpoch[], f: (e: DashboardEpoch) => T | null): (T | null)[] => {
      const byEpoch = new Map(list.map((e) => [e.epoch, e]));
      return xs.map((x) => { const e = byEpoch.get(x); return e === undefined ? null : f(e); });
    };
    const labels = others.map((c) => `${c.name} (${l10n.t('validation')})`);
    this.replot('epoch-loss', [xs, at(this.epochs, (e) => e.loss), at(this.epochs, (e) => e.valLoss),
      ...others.map((c) => at(c.epochs, (e) => e.valLoss))] as Data, labels);
    this.replot('epoch-acc', [xs, at(this.epochs, (e) => e.acc), at(this.epochs, (e) => e.valAcc),
      ...others.map((c) => at(c.epochs, (e) => e.valAcc))] as Data, labels);
    const last = this.epochs[this.epochs.length - 1];
    this.gapNote.textContent = last !== undefined && last.valAcc !== null
      ? l10n.t('Overfitting gap after epoch {0}: training accuracy {1} − validation accuracy {2} = {3} points',
        last.epoch, formatPercent(last.acc), formatPercent(last.valAcc), ((last.acc - last.valAcc) * 100).toFixed(2))
      : '';
  }

  private renderComparePicker(): void {
    this.comparePicker.replaceChildren();
    if (this.comparisons.length === 0) return;
    this.comparePicker.append(h('span', { class: 'muted' }, l10n.t('Compare with:')));
    for (const c of this.comparisons) {
      const box = h('vscode-checkbox', { label: `${c.name} · ${c.epochs.length} ${l10n.t('epochs')}`, 'data-run': c.runDir });
      (box as HTMLElement & { checked: boolean }).checked = this.shown.has(c.runDir);
      box.addEventListener('change', () => {
        if ((box as HTMLElement & { checked: boolean }).checked) this.shown.add(c.runDir);
        else this.shown.delete(c.runDir);
        this.onCompareChange([...this.shown]);
        this.updateEpochCharts();
      });
      this.comparePicker.append(box);
    }
  }
}
