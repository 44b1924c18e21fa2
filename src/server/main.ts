/**
 * Entry point of the CNN model language server. The transport comes from the command line, as
 * vscode-languageserver reads it: `--node-ipc` when vscode-languageclient forks it, `--stdio` for
 * tests and other editors.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startLanguageServer } from './languageServer';

const connection = createConnection(ProposedFeatures.all);

// Last line of defence: handlers are guarded individually; anything else is logged, not fatal.
process.on('uncaughtException', (err) => {
  try { connection.console.error(`[cnn-lab] uncaught: ${err.stack ?? err.message}`); } catch { /* ignore */ }
});
process.on('unhandledRejection', (reason) => {
  try { connection.console.error(`[cnn-lab] unhandled rejection: ${String(reason)}`); } catch { /* ignore */ }
});

startLanguageServer(connection);
