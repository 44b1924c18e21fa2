/**
 * "Open Runs in TensorBoard": TensorBoard on a runs folder, in a VS Code tab. The Python comes
 * from the Python extension (its active environment) or `python.defaultInterpreterPath`, else
 * `python3`/`python` on PATH; without TensorBoard there, the user is told how to install it.
 * One TensorBoard per window, stopped with the extension.
 */
import * as vscode from 'vscode';
import { findTensorBoard, installCommand, startTensorBoard, type RunningTensorBoard } from '../host/tensorboard';

/** The part of the Python extension's API read here (`ms-python.python` exports). */
interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath?(resource?: vscode.Uri): { path?: unknown } | undefined };
}

async function pythonCandidates(resource: vscode.Uri | undefined): Promise<string[]> {
  const out: string[] = [];
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (ext) {
    try {
      const api = ext.isActive ? ext.exports : await ext.activate();
      const p = api.environments?.getActiveEnvironmentPath?.(resource)?.path;
      if (typeof p === 'string') out.push(p);
    } catch {
      // the Python extension failed to activate: fall back to the settings and PATH
    }
  }
  const configured = vscode.workspace.getConfiguration('python', resource).get<string>('defaultInterpreterPath');
  if (configured !== undefined && configured !== 'python') out.push(configured);
  out.push('python3', 'python');
  return out;
}

export class TensorBoardLauncher implements vscode.Disposable {
  private running: RunningTensorBoard | null = null;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Opens TensorBoard on `logdir` (starting it when needed); resolves with its URL, or undefined when it cannot run. */
  async open(logdir: string, resource?: vscode.Uri): Promise<string | undefined> {
    if (this.running && this.running.logdir === logdir && this.running.process.exitCode === null) {
      await this.show(this.running.url);
      return this.running.url;
    }
    this.running?.stop();
    this.running = null;
    const found = await findTensorBoard(await pythonCandidates(resource));
    if ('missing' in found) {
      const python = found.missing[0] ?? 'python3';
      const cmd = installCommand(python);
      const install = vscode.l10n.t('Install in Terminal');
      const copy = vscode.l10n.t('Copy Command');
      void vscode.window.showWarningMessage(
        vscode.l10n.t('TensorBoard is not installed for {0} (also tried: {1}). Install it with: {2}', python, found.missing.slice(1).join(', ') || '—', cmd),
        install, copy,
      ).then((choice) => {
        if (choice === install) {
          const term = vscode.window.createTerminal({ name: 'TensorBoard install' });
          term.show();
          term.sendText(cmd);
        } else if (choice === copy) {
          void vscode.env.clipboard.writeText(cmd);
        }
      });
      return undefined;
    }
    const tb = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Starting TensorBoard {0} on {1}', found.version, logdir) },
      () => startTensorBoard(found.python, logdir, 90_000, (line) => this.log.debug(`[tensorboard] ${line}`)),
    );
    this.running = tb;
    this.log.info(`[tensorboard] ${found.python} -m tensorboard.main --logdir ${logdir}: ${tb.url}`);
    tb.process.on('exit', () => { if (this.running === tb) this.running = null; });
    await this.show(tb.url);
    return tb.url;
  }

  private async show(url: string): Promise<void> {
    // asExternalUri forwards the port in remote and web workbenches.
    const external = await vscode.env.asExternalUri(vscode.Uri.parse(url));
    try {
      await vscode.commands.executeCommand('simpleBrowser.show', external.toString());
    } catch {
      await vscode.env.openExternal(external);
    }
  }

  dispose(): void {
    this.running?.stop();
    this.running = null;
  }
}
