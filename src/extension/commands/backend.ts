/** Backend commands: Select Backend, Set Up Native Backend. */
import * as vscode from 'vscode';
import { settingId } from '../../shared/settings';
import { BACKEND_CHOICES, type BackendChoice } from '../../shared/trainerProtocol';
import { probeBackends } from '../backendProbe';
import { currentSettings } from '../config';
import { backendOf } from './args';
import type { CommandFactory } from './context';

/**
 * Select Backend: stores `cnnLab.backend` (user settings: availability is per machine). Each item
 * says its state; the native one is "ready", "not set up yet" (set up on the first training) or
 * "set-up failed: why", and picking it when it is not ready offers to set it up now.
 * With `{ backend }` stores that one without asking.
 */
export const selectBackend: CommandFactory<Promise<BackendChoice | undefined>> = (ctx) => async (a) => {
  let backend = backendOf(a);
  if (backend === undefined) {
    const native = await ctx.native.status();
    const probes = await probeBackends(ctx.context.extensionUri.fsPath, native, vscode.l10n);
    const current = currentSettings().backend;
    const byName = new Map(probes.map((p) => [p.name, p]));
    const fastest = probes.find((p) => p.available);
    const canSetUp = native.kind === 'notSetUp' || native.kind === 'failed';
    const items = BACKEND_CHOICES.map((choice) => {
      const p = choice === 'auto' ? undefined : byName.get(choice);
      const available = choice === 'auto' ? fastest !== undefined : p?.available === true;
      const state = available ? vscode.l10n.t('ready')
        : choice === 'tensorflow' && native.kind === 'notSetUp' ? vscode.l10n.t('not set up')
          : choice === 'tensorflow' && native.kind === 'failed' ? vscode.l10n.t('set-up failed') : vscode.l10n.t('not available');
      return {
        choice,
        available,
        label: `${available ? '$(check)' : canSetUp && choice === 'tensorflow' ? '$(cloud-download)' : '$(circle-slash)'} ${choice}${choice === current ? ` ${vscode.l10n.t('(current)')}` : ''}`,
        description: state,
        detail: choice === 'auto'
          ? vscode.l10n.t('Fastest that loads: tensorflow, then wasm, then cpu (now: {0}{1})', fastest?.name ?? '–',
            canSetUp ? vscode.l10n.t('; tensorflow once set up') : '')
          : p?.detail ?? '',
      };
    });
    const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Train with which TensorFlow.js backend?') });
    if (picked === undefined) return undefined;
    backend = picked.choice;
    if (backend === 'tensorflow' && canSetUp) {
      const setUp = vscode.l10n.t('Set Up Now');
      void vscode.window.showInformationMessage(
        vscode.l10n.t('The native backend is not set up yet ({0}). It is set up on the next training, or now.', picked.detail), setUp,
      ).then((pick) => { if (pick === setUp) void ctx.native.setUp({ automatic: false }); });
    } else if (!picked.available) {
      void vscode.window.showWarningMessage(vscode.l10n.t('The {0} backend is not available here; training will fail until it is installed.', backend));
    }
  }
  await vscode.workspace.getConfiguration().update(settingId('backend'), backend, vscode.ConfigurationTarget.Global);
  return backend;
};

/** Set Up Native Backend: downloads and checks libtensorflow now, as the first native run would. */
export const setUpNative: CommandFactory = (ctx) => () => ctx.native.setUp({ automatic: false });
