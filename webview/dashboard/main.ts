/**
 * Dashboard webview app (one panel per run). Says `ready`, draws the snapshot it gets, applies
 * numbered appends and asks for a resync on a gap. Every host message is guarded.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import 'uplot/dist/uPlot.min.css';
import * as l10n from '@vscode/l10n';
import { isHostToDashboardMessage, samplePicking, type DashboardToHostMessage, type InspectKind } from '../../src/shared/webviewProtocol';
import type { InspectSubject, InspectWhat } from '../../src/shared/trainerProtocol';
import { getWebviewState, onHostMessage, postToHost, setWebviewState } from '../common/vscodeApi';
import { h, reportErrors } from '../common/dom';
import { formatDuration, formatPercent } from '../common/math';
import { DashboardState, type MutableSnapshot } from './state';
import { Curves, recentThroughput } from './curves';
import { renderSummary } from './summaryTable';
import { FeatureMapsView, type Subject, type TileHandlers } from './featureMaps';
import { renderEvaluation } from './evaluation';
import { OwnInputView } from './ownInput';
import { ExplainerView, type ConvLayerChoice } from './explainer';
import { SaliencyView } from './saliency';
import { HistoryView } from './history';
import { trainingStepFact } from './trainingStep';
import './dashboard.css';

const post = (m: DashboardToHostMessage): void => postToHost(m);
reportErrors((m) => postToHost(m));

/** Kept by VS Code across reloads; `runDir` lets the host's serializer reopen this run. */
interface ViewState { smoothing: number; runDir?: string; compare: string[]; subject: Subject }
const saved = getWebviewState() as Partial<ViewState> | undefined;
const view: ViewState = {
  smoothing: typeof saved?.smoothing === 'number' ? saved.smoothing : 0.6,
  compare: Array.isArray(saved?.compare) ? saved.compare.filter((d): d is string => typeof d === 'string') : [],
  subject: saved?.subject === 'own' ? 'own' : 'test',
};

const state = new DashboardState();
const root = document.getElementById('app') as HTMLElement;
let curves: Curves | null = null;
let l10nConfigured = false;
const slots = {
  header: h('header', { id: 'header' }),
  summary: h('div'),
  curves: h('div'),
  evaluation: h('div'),
};
let featureMaps: FeatureMapsView | null = null;
let ownInput: OwnInputView | null = null;
let explainer: ExplainerView | null = null;
let saliency: SaliencyView | null = null;
let history: HistoryView | null = null;
/** The kind of the last inspection asked, so a failure is shown where it was asked. */
let lastAsked: InspectKind | null = null;

const header = {
  title: h('h1'),
  badge: h('span', { class: 'badge', id: 'status' }),
  stop: h('vscode-button', { id: 'stop', secondary: true }),
  facts: h('dl', { class: 'facts' }),
  notes: h('div'),
};
header.stop.addEventListener('click', () => post({ type: 'stopTraining' }));

function requestSample(sampleIndex: number): void {
  post({ type: 'requestFeatureMaps', sampleIndex });
  chooseSubject('test');
}

function chooseSubject(subject: Subject): void {
  if (view.subject === subject) return;
  view.subject = subject;
  setWebviewState(view);
  const s = state.snapshot;
  if (s !== null) renderMaps(s);
}

/** What the explainer and saliency ask about: the user's image when it is on screen, else the test sample shown. */
function currentSubject(): InspectSubject {
  const s = state.snapshot;
  if (view.subject === 'own' && s?.ownInput) return { kind: 'own', image: s.ownInput.input };
  return { kind: 'test', index: s?.featureMaps?.sampleIndex ?? 0 };
}

function inspect(what: InspectWhat, subject: InspectSubject = currentSubject()): void {
  lastAsked = what.kind;
  post({ type: 'inspect', subject, what });
}

/** "test sample 3 (label: 7)" or "your image", for the explainer's and saliency's captions. */
function subjectText(ref: { kind: 'test'; index: number } | { kind: 'own' }, s: MutableSnapshot): string {
  if (ref.kind === 'own') return l10n.t('your image');
  const fm = s.featureMaps;
  const label = fm?.sampleIndex === ref.index && fm.label !== null ? s.info.classNames[fm.label] ?? String(fm.label) : null;
  return label !== null ? l10n.t('test sample {0} (label: {1})', ref.index, label) : l10n.t('test sample {0}', ref.index);
}

/** The conv2d layers of the model, which the explainer explains and whose maps open it. */
function convLayers(s: MutableSnapshot): ConvLayerChoice[] {
  return (s.modelSummary?.layers ?? []).flatMap((l, i) => (l.type === 'conv2d' ? [{ layerIndex: i, name: l.name, filters: l.outputShape[l.outputShape.length - 1] ?? 1 }] : []));
}

const tileHandlers = (s: MutableSnapshot): TileHandlers => ({
  explainable: new Set(convLayers(s).map((l) => l.layerIndex)),
  explain: (layerIndex, channel) => explainer?.focus(layerIndex, channel),
});

function renderMaps(s: MutableSnapshot): void {
  featureMaps?.update(s.featureMaps, s.ownInput, view.subject === 'own' && s.ownInput !== null ? 'own' : 'test', s.info.classNames, tileHandlers(s));
}

function renderInspections(s: MutableSnapshot): void {
  const pending = s.inspect.pending;
  const errorFor = (k: InspectKind): string | null => (lastAsked === k ? s.inspect.error : null);
  explainer?.setLayers(convLayers(s));
  explainer?.setStatus(pending.includes('explanation'), errorFor('explanation'));
  saliency?.setClasses(s.info.classNames);
  saliency?.setStatus(pending.includes('saliency'), errorFor('saliency'));
  const ownError = errorFor('featureMaps');
  if (ownError !== null) ownInput?.say(ownError, true);
}

function statusText(s: MutableSnapshot): string {
  const labels: Record<string, string> = {
    running: l10n.t('running'), completed: l10n.t('completed'), stopped: l10n.t('stopped'),
    failed: l10n.t('failed'), interrupted: l10n.t('interrupted'),
  };
  return labels[s.info.status] ?? s.info.status;
}

function renderHeader(s: MutableSnapshot): void {
  const i = s.info;
  const lastEpoch = s.epochs[s.epochs.length - 1];
  const lastBatch = s.batches[s.batches.length - 1];
  const running = i.live && i.status === 'running';
  const step = trainingStepFact(i.trainingStep);
  const facts: [string, string, Record<string, string | undefined>?][] = [
    [l10n.t('Status'), statusText(s)],
    [l10n.t('Epoch'), `${lastBatch && running ? lastBatch.epoch : lastEpoch?.epoch ?? 0} / ${i.totalEpochs}`],
    [l10n.t('Data set'), i.dataset ?? '–'],
    [l10n.t('Backend'), i.backendDetail ?? i.backend ?? '–'],
    // A model that leaves the fast path is a warning across the facts, with what it costs.
    [l10n.t('Training step'), step.text, { id: 'training-step', class: step.warn ? 'fact wide warn' : 'fact', 'data-kind': i.trainingStep?.kind ?? 'unknown', title: step.detail || undefined }],
    [l10n.t('Best val. accuracy'), formatPercent(i.bestValAcc)],
    [l10n.t('Test accuracy'), formatPercent(i.testAcc)],
    [l10n.t('Duration'), formatDuration(i.durationSec)],
  ];
  const tp = running ? recentThroughput(s.batches) : lastEpoch?.samplesPerSec ?? null;
  if (tp !== null) facts.push([l10n.t('Throughput'), l10n.t('{0} samples/s', Math.round(tp))]);
  if (running && lastBatch) facts.push([l10n.t('ETA'), formatDuration(lastBatch.etaSec)]);
  // The title row stays in the DOM (so the Stop button keeps keyboard focus); only texts change.
  header.title.textContent = i.name;
  header.badge.textContent = statusText(s);
  header.badge.className = `badge status-${i.status}`;
  header.stop.hidden = !running;
  header.facts.replaceChildren(...facts.map(([k, v, attrs]) => h('div', { class: 'fact', ...attrs }, h('dt', {}, k), h('dd', {}, v))));
  header.notes.replaceChildren(
    i.datasetSource !== null ? h('p', { class: 'muted' }, i.datasetSource) : '',
    i.error !== null ? h('p', { class: 'error', role: 'alert' }, i.error) : '',
  );
}

function renderAll(s: MutableSnapshot): void {
  renderHeader(s);
  slots.summary.replaceChildren(renderSummary(s.modelSummary));
  if (curves === null) {
    curves = new Curves(view.smoothing, (v) => { view.smoothing = v; setWebviewState(view); },
      view.compare, (dirs) => { view.compare = dirs; setWebviewState(view); });
    slots.curves.replaceChildren(curves.element);
  }
  curves.setData(s.batches, s.epochs, s.comparisons);
  renderPicker(s);
  renderMaps(s);
  ownInput?.setShape(s.info.inputShape);
  renderInspections(s);
  explainer?.show(s.explanation, s.explanation !== null ? subjectText(s.explanation.subject, s) : '');
  saliency?.show(s.saliency, s.saliency !== null ? subjectText(s.saliency.subject, s) : '');
  history?.reset();
  history?.setEpochs(s.historyEpochs, s.info.live, s.info.classNames);
  renderEvaluationSection(s);
  document.body.dataset.seq = String(state.seq);
}

function renderPicker(s: MutableSnapshot): void {
  featureMaps?.updatePicker({ picking: samplePicking(s.info), state: s.samplePick, testCount: s.info.testCount });
}

/** Scrolls an element to just below the sticky title row, which would otherwise cover it. */
function reveal(el: HTMLElement): void {
  const sticky = slots.header.querySelector<HTMLElement>('.title-row')?.offsetHeight ?? 0;
  window.scrollTo({ top: el.getBoundingClientRect().top + window.scrollY - sticky - 8 });
}

function renderEvaluationSection(s: MutableSnapshot): void {
  // A click in the gallery shows that sample's maps, so bring them into view.
  const pickFromGallery = (i: number): void => {
    requestSample(i);
    if (featureMaps !== null) reveal(featureMaps.element);
  };
  slots.evaluation.replaceChildren(renderEvaluation(s.evaluation, pickFromGallery, samplePicking(s.info) !== 'none'));
}

/** Tells the host what the feature-map section now shows (its log; integration tests read it). */
function reportShown(s: MutableSnapshot): void {
  post({
    type: 'shown', seq: state.seq, sampleIndex: s.featureMaps?.sampleIndex ?? null,
    caption: featureMaps?.caption ?? null, picking: samplePicking(s.info),
  });
}

function mount(): void {
  header.stop.textContent = l10n.t('Stop training');
  slots.header.replaceChildren(h('div', { class: 'title-row' }, header.title, header.badge, header.stop), header.facts, header.notes);
  featureMaps = new FeatureMapsView(requestSample, chooseSubject);
  ownInput = new OwnInputView((image) => {
    view.subject = 'own';
    setWebviewState(view);
    inspect({ kind: 'featureMaps' }, { kind: 'own', image });
  });
  explainer = new ExplainerView((layerIndex, filter) => inspect({ kind: 'explanation', layerIndex, filter }), reveal);
  saliency = new SaliencyView((classIndex) => inspect({ kind: 'saliency', classIndex }));
  history = new HistoryView((epoch) => post({ type: 'requestHistory', epoch }));
  root.replaceChildren(slots.header, slots.summary, slots.curves, featureMaps.element, ownInput.element, explainer.element,
    saliency.element, history.element, slots.evaluation);
}

onHostMessage((data) => {
  if (!isHostToDashboardMessage(data)) {
    post({ type: 'webviewError', message: `dashboard ignored a malformed message: ${JSON.stringify(data).slice(0, 200)}` });
    return;
  }
  if (data.type === 'snapshot' && !l10nConfigured) {
    if (data.l10n !== null) l10n.config({ contents: { ...data.l10n } });
    l10nConfigured = true;
    mount();
  }
  const changed = state.receive(data);
  const s = state.snapshot;
  if (changed === null || s === null) return;
  if (view.runDir !== s.info.runDir) { view.runDir = s.info.runDir; setWebviewState(view); }
  if (changed === 'resync') { post({ type: 'resync', lastSeq: state.seq }); return; }
  switch (changed) {
    case 'all': renderAll(s); reportShown(s); break;
    case 'info':
      renderHeader(s);
      // Liveness and weights decide whether and how samples can be picked.
      renderPicker(s);
      renderEvaluationSection(s);
      ownInput?.setShape(s.info.inputShape);
      saliency?.setClasses(s.info.classNames);
      reportShown(s);
      break;
    case 'samplePick': renderPicker(s); reportShown(s); break;
    case 'summary': slots.summary.replaceChildren(renderSummary(s.modelSummary)); renderInspections(s); renderMaps(s); break;
    case 'batches': curves?.updateBatches(s.batches); renderHeader(s); break;
    case 'epochs': curves?.updateEpochs(s.epochs); renderHeader(s); break;
    case 'comparisons': curves?.setData(s.batches, s.epochs, s.comparisons); break;
    case 'featureMaps': renderMaps(s); reportShown(s); break;
    case 'evaluation': renderEvaluationSection(s); break;
    case 'ownInput':
      // Submitting chose the own image (see mount); the host's refresh after each epoch leaves the choice alone.
      if (s.ownInput !== null) ownInput?.answered(s.ownInput, s.info.classNames);
      renderMaps(s);
      break;
    case 'explanation': explainer?.show(s.explanation, s.explanation !== null ? subjectText(s.explanation.subject, s) : ''); break;
    case 'saliency': saliency?.show(s.saliency, s.saliency !== null ? subjectText(s.saliency.subject, s) : ''); break;
    case 'inspect': renderInspections(s); break;
    case 'historyEpochs': history?.setEpochs(s.historyEpochs, s.info.live, s.info.classNames); break;
    case 'historyEntry': if (state.historyEntry !== null) history?.receive(state.historyEntry); break;
    case 'focus':
      if (state.focus !== null) explainer?.focus(state.focus.layerIndex, state.focus.filter);
      break;
  }
  document.body.dataset.seq = String(state.seq);
});

post({ type: 'ready' });
