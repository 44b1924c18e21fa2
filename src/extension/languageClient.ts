/**
 * The language client for `*.cnn.yaml`: forks dist/server.js over IPC (as vscode-languageclient
 * does for every Node server) and offers the custom `cnn/modelSpec` request for exact document
 * versions. Started on first need; one lifetime, disposed with the extension.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { ModelSpecRequest, type ModelSpecParams, type ModelSpecResult } from '../shared/lspProtocol';
import { CnnLabError } from '../shared/errors';

export const LANGUAGE_ID = 'cnn-model';

export class ModelLanguageClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel) {}

  /** Starts the server once; later calls share the same start. */
  start(): Promise<LanguageClient> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<LanguageClient> {
    const module = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'server.js').fsPath;
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: LANGUAGE_ID }],
      outputChannel: this.log,
    };
    const client = new LanguageClient('cnnLab', vscode.l10n.t('CNN Lab Language Server'), serverOptions, clientOptions);
    this.client = client;
    await client.start();
    return client;
  }

  /**
   * The resolved spec of `doc` at its current version. The client sends pending changes before
   * any request, so the server answers for what the editor shows; a stale answer is retried.
   */
  async modelSpec(doc: vscode.TextDocument): Promise<ModelSpecResult> {
    const client = await this.start();
    const params: ModelSpecParams = { uri: client.code2ProtocolConverter.asUri(doc.uri) };
    for (let attempt = 0; attempt < 20; attempt++) {
      const result = await client.sendRequest(ModelSpecRequest, params);
      if (result === null) {
        throw new CnnLabError('E_INTERNAL', vscode.l10n.t('The language server could not analyse {0}.', doc.uri.fsPath),
          vscode.l10n.t('See the "CNN Lab" output channel for the reason, then try again.'));
      }
      if (result.version >= doc.version) return result;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new CnnLabError('E_INTERNAL', vscode.l10n.t('The language server did not catch up with the latest edits of {0}.', doc.uri.fsPath),
      vscode.l10n.t('Save the file and try again.'));
  }

  dispose(): void {
    const c = this.client;
    this.client = undefined;
    if (c !== undefined) void c.stop().catch(() => undefined);
  }
}
