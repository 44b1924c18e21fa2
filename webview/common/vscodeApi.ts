/**
 * The only module of each webview app that touches `acquireVsCodeApi()` (which may be called once
 * per page). Everything else imports `postToHost` / `onHostMessage`, so tests hand in a stand-in
 * by defining `acquireVsCodeApi` before the bundle loads.
 */
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;

function vscode(): VsCodeApi {
  api ??= acquireVsCodeApi();
  return api;
}

/** Sends a message to the extension host; callers pass protocol messages only. */
export function postToHost(message: unknown): void {
  vscode().postMessage(message);
}

/** Webview-local state that survives the panel being hidden (e.g. the chosen layer). */
export function getWebviewState(): unknown {
  return vscode().getState();
}

export function setWebviewState(state: unknown): void {
  vscode().setState(state);
}

/** Every message from the host, unvalidated: callers run the protocol guard. */
export function onHostMessage(listener: (data: unknown) => void): void {
  window.addEventListener('message', (e: MessageEvent<unknown>) => listener(e.data));
}
