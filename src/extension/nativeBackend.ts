/**
 * The native TensorFlow backend of an installed extension: its state, its set-up on first use, and
 * the environment that points the trainer at it.
 *
 * A VSIX ships the tfjs-node addon (dist/native/tfjs_binding.node) but not libtensorflow (about
 * 630 MB): on the first training with backend `auto` (or `tensorflow`) the extension downloads
 * TensorFlow's `tensorflow-cpu` wheel from the configured package index, keeps its two libraries in
 * its global storage beside a copy of the addon, and checks them in a child process
 * (src/host/native does the work; this module only presents it). The set-up survives extension
 * updates (global storage is per extension id) and reuses libraries that `npm run
 * provision:native` already staged on this machine (~/.cache/cnn-lab/native), so a developer's
 * machine downloads nothing. A source checkout (node_modules/@tensorflow/tfjs-node built by
 * `npm install`) needs no set-up at all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { nativeState, setUpNative, probeNativeInChild, NATIVE_TARGET, type NativeInstall, type NativeState, type SetupProgress } from '../host/native/setup';
import { isCancelled } from '../host/native/http';
import { checkoutAddon, nativeEnvOf, recordSharedInstall, sharedNativeDir } from '../host/native/shared';
import type { BackendChoice } from '../shared/trainerProtocol';
import type { CnnLabSettings } from '../shared/settings';
import type { NativeStatus } from './backendProbe';

/** The probe's status, with the full install record when ready. */
export type HostNativeStatus = Exclude<NativeStatus, { kind: 'ready' }> | { readonly kind: 'ready'; readonly install: NativeInstall };

export interface NativeBackendDeps {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly settings: () => CnnLabSettings;
}

const MB = (b: number): string => `${Math.round(b / 1024 / 1024)} MB`;


export class NativeBackend {
  /** Set once per window when an automatic set-up was cancelled or failed: train on wasm, do not ask again. */
  private declinedThisSession = false;
  private running: Promise<NativeInstall | undefined> | undefined;

  constructor(private readonly deps: NativeBackendDeps) {}

  /** Installs live here: `<globalStorage>/native/tfjs-node-…-linux-x64/`. */
  get home(): string { return vscode.Uri.joinPath(this.deps.context.globalStorageUri, 'native').fsPath; }

  private get extensionDir(): string { return this.deps.context.extensionUri.fsPath; }

  /** The addon the VSIX ships; absent in a source checkout. */
  private get shippedAddon(): string { return path.join(this.extensionDir, 'dist', 'native', 'tfjs_binding.node'); }

  async status(): Promise<HostNativeStatus> {
    // A checkout (the extension run from source) uses what npm built; an installed VSIX has no node_modules.
    const checkout = checkoutAddon(this.extensionDir);
    if (checkout !== undefined) return { kind: 'checkout', addon: checkout };
    if (!fs.existsSync(this.shippedAddon)) {
      return {
        kind: 'unsupported',
        reason: vscode.l10n.t('this package of CNN Lab carries no native addon for {0}-{1}', process.platform, process.arch),
      };
    }
    const s: NativeState = await nativeState(this.home);
    switch (s.status) {
      case 'ready': return { kind: 'ready', install: s.install };
      case 'missing': return { kind: 'notSetUp', reason: s.reason };
      case 'failed': return { kind: 'failed', reason: s.reason, at: s.at };
      case 'unsupported': return { kind: 'unsupported', reason: s.reason };
    }
  }

  /** Environment for the trainer: the set-up addon, when there is one (a checkout finds its own). */
  async trainerEnv(): Promise<NodeJS.ProcessEnv> {
    const s = await this.status();
    return s.kind === 'ready' ? nativeEnvOf(s.install) : {};
  }

  /**
   * Before a run: with `auto` (or `tensorflow`) on a machine without the native backend, sets it
   * up in a progress notification, once per window; cancelled or failed, the run goes on (auto
   * falls back to wasm) and the user is told why, with a button to retry. Returns the trainer's
   * environment.
   */
  async prepareForTraining(backend: BackendChoice): Promise<NodeJS.ProcessEnv> {
    if (backend === 'wasm' || backend === 'cpu') return {};
    const s = await this.status();
    if (s.kind === 'ready') return nativeEnvOf(s.install);
    if ((s.kind === 'notSetUp' || s.kind === 'failed') && !this.declinedThisSession) {
      const install = await this.setUp({ automatic: true });
      if (install !== undefined) return nativeEnvOf(install);
      this.declinedThisSession = true;
    }
    return {};
  }

  /**
   * "CNN Lab: Set Up Native Backend", and the automatic set-up. Runs one set-up at a time (a second
   * call joins the first). Resolves with the install, or undefined when cancelled or failed (the
   * user has been told).
   */
  setUp(opts: { automatic: boolean; force?: boolean }): Promise<NativeInstall | undefined> {
    this.running ??= this.runSetUp(opts).finally(() => { this.running = undefined; });
    return this.running;
  }

  private async runSetUp(opts: { automatic: boolean; force?: boolean }): Promise<NativeInstall | undefined> {
    const log = this.deps.log;
    const before = await this.status();
    if (before.kind === 'checkout') {
      if (!opts.automatic) void vscode.window.showInformationMessage(vscode.l10n.t('The native TensorFlow backend of this checkout is ready ({0}).', before.addon));
      return undefined;
    }
    if (before.kind === 'unsupported') {
      void vscode.window.showWarningMessage(vscode.l10n.t('The native TensorFlow backend cannot be set up here: {0}. Training uses the wasm backend.', before.reason));
      return undefined;
    }
    if (before.kind === 'ready' && !opts.force) {
      if (!opts.automatic) void vscode.window.showInformationMessage(vscode.l10n.t('The native TensorFlow backend is ready: libtensorflow {0}, set up {1}.', before.install.tensorflow, before.install.setUpAt));
      return before.install;
    }
    const settings = this.deps.settings();
    const http = vscode.workspace.getConfiguration('http');
    const proxy = http.get<string>('proxy')?.trim() ?? '';
    const strictSSL = http.get<boolean>('proxyStrictSSL') ?? true;
    const index = settings.nativePackageIndex;
    const title = vscode.l10n.t('Setting up the native TensorFlow backend');
    const t0 = Date.now();
    log.info(`[native] setting up libtensorflow ${NATIVE_TARGET.tensorflow} from ${index} into ${this.home}${proxy !== '' ? ` (proxy ${proxy.replace(/\/\/[^@/]*@/, '//***@')})` : ''}`);
    try {
      const install = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          const sub = token.onCancellationRequested(() => abort.abort());
          let reported = 0;
          const onProgress = (p: SetupProgress): void => {
            const message = this.progressMessage(p, index);
            let increment: number | undefined;
            if (p.step === 'download' && p.bytes !== undefined && p.totalBytes !== undefined && p.totalBytes > 0) {
              // The download is most of the time: it fills 90 % of the bar.
              const now = Math.min(90, (90 * p.bytes) / p.totalBytes);
              increment = now - reported;
              reported = now;
            } else if (p.step === 'extract' || p.step === 'check') {
              const now = p.step === 'extract' ? 92 : 97;
              if (now > reported) { increment = now - reported; reported = now; }
            }
            progress.report({ message, ...(increment !== undefined && increment > 0 ? { increment } : {}) });
          };
          try {
            return await setUpNative({
              home: this.home,
              addonSource: this.shippedAddon,
              indexUrl: index,
              ...(proxy !== '' ? { proxy } : {}),
              strictSSL,
              signal: abort.signal,
              onProgress,
              sharedCache: sharedNativeDir(),
              check: (candidate) => probeNativeInChild(candidate, {
                execPath: settings.trainerNodePath !== '' ? settings.trainerNodePath : process.execPath,
                script: path.join(this.extensionDir, 'dist', 'trainer.js'),
                timeoutMs: 120_000,
              }),
            });
          } finally {
            sub.dispose();
          }
        },
      );
      // Leave a pointer for a CLI on this machine whose checkout has no addon of its own.
      await recordSharedInstall(this.home, install).catch((err: unknown) => log.warn(`[native] could not record the install in ${sharedNativeDir()}: ${String(err)}`));
      const secs = ((Date.now() - t0) / 1000).toFixed(0);
      log.info(`[native] ready in ${secs} s: libtensorflow ${install.tensorflow} in ${install.dir} (${MB(install.bytes)}, from ${install.source})`);
      void vscode.window.showInformationMessage(vscode.l10n.t('Native TensorFlow backend ready (libtensorflow {0}, set up in {1} s). Training runs on it from now on.', install.tensorflow, secs));
      return install;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const retry = vscode.l10n.t('Retry');
      const wasm = opts.automatic ? vscode.l10n.t(' This run trains on the wasm backend.') : '';
      if (isCancelled(err)) {
        log.info('[native] set-up cancelled');
        void vscode.window.showInformationMessage(vscode.l10n.t('Native backend set-up cancelled.{0}', wasm), retry)
          .then((pick) => { if (pick === retry) void this.setUp({ automatic: false }); });
      } else {
        log.error(`[native] set-up failed: ${reason}`);
        const showLog = vscode.l10n.t('Show Log');
        void vscode.window.showWarningMessage(vscode.l10n.t('The native TensorFlow backend could not be set up: {0}.{1}', reason, wasm), retry, showLog)
          .then((pick) => {
            if (pick === retry) void this.setUp({ automatic: false });
            else if (pick === showLog) log.show();
          });
      }
      return undefined;
    }
  }

  private progressMessage(p: SetupProgress, index: string): string {
    const host = (() => { try { return new URL(index).host; } catch { return index; } })();
    switch (p.step) {
      case 'resolve': return vscode.l10n.t('looking up {0} {1} on {2}', NATIVE_TARGET.project, NATIVE_TARGET.tensorflow, host);
      case 'download':
        return p.totalBytes !== undefined && p.totalBytes > 0
          ? vscode.l10n.t('downloading the {0} {1} wheel: {2} of {3}', NATIVE_TARGET.project, NATIVE_TARGET.tensorflow, MB(p.bytes ?? 0), MB(p.totalBytes))
          : p.message;
      case 'extract': return vscode.l10n.t('extracting libtensorflow from the wheel');
      case 'check': return vscode.l10n.t('checking libtensorflow in a child process');
    }
  }
}
