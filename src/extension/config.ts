/** Settings from `workspace.getConfiguration`, sanitised by `src/shared/settings.ts`. */
import * as vscode from 'vscode';
import { readSettings, SETTINGS_SECTION, type CnnLabSettings } from '../shared/settings';

export function currentSettings(scope?: vscode.ConfigurationScope): CnnLabSettings {
  const cfg = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  return readSettings((key) => cfg.get<unknown>(key));
}
