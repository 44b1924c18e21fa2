/**
 * Where runs live: one runs folder per workspace folder (the `cnnLab.runs.folder` setting of that
 * folder), and a scratch folder in global storage for an empty window. Created before the views
 * and handed to them and to the commands, so every list of runs reads the same roots.
 */
import * as vscode from 'vscode';
import { runsRoot } from '../host/runStore';
import { SETTINGS_SECTION } from '../shared/settings';
import { currentSettings } from './config';

export class RunLocations implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** The roots may have changed: the runs folder setting or the workspace folders did. */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly globalStorageUri: vscode.Uri) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SETTINGS_SECTION}.runs.folder`)) this.changed.fire();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.changed.fire()),
    );
  }

  /** Where scratch files and runs go when no folder is open. */
  scratchDir(): string {
    return vscode.Uri.joinPath(this.globalStorageUri, 'scratch').fsPath;
  }

  /** The runs folder for a model file (its workspace folder, else the first one, else scratch). */
  rootFor(uri?: vscode.Uri): string {
    const folder = (uri !== undefined ? vscode.workspace.getWorkspaceFolder(uri) : undefined) ?? vscode.workspace.workspaceFolders?.[0];
    const base = folder?.uri.fsPath ?? this.scratchDir();
    return runsRoot(base, currentSettings(folder?.uri).runsFolder);
  }

  /** Every runs folder the views list: one per workspace folder, then the scratch one. */
  roots(): string[] {
    const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => runsRoot(f.uri.fsPath, currentSettings(f.uri).runsFolder));
    roots.push(runsRoot(this.scratchDir(), currentSettings().runsFolder));
    return [...new Set(roots)];
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
