/** Read-only documents with a model's summary table (`cnn-lab-summary:` URIs). */
import * as vscode from 'vscode';

export class SummaryDocuments implements vscode.TextDocumentContentProvider {
  static readonly scheme = 'cnn-lab-summary';
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly texts = new Map<string, string>();

  show(name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: SummaryDocuments.scheme, path: `/${name}.summary.txt` });
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }
}
