/**
 * A streaming reader for tar archives (POSIX ustar, with the GNU long-name and PAX `path`
 * extensions that real-world archives use), fed by any byte stream — typically gunzip's output.
 * Entries are handed to a callback that may return a sink for the entry's bytes.
 */
import { CnnLabError } from '../../shared/errors';
import { concatBytes } from '../../shared/bytes';

const BLOCK = 512;

export interface TarEntry {
  /** Path inside the archive, `/`-separated, as stored (prefix + name, or the long name). */
  readonly name: string;
  readonly type: 'file' | 'directory' | 'other';
  readonly size: number;
}

/** Receives one entry's bytes; `end` is called once they are all written. */
export interface TarSink {
  write(chunk: Uint8Array): void | Promise<void>;
  end(): void | Promise<void>;
}

function corrupt(archive: string, what: string): CnnLabError {
  return new CnnLabError('E_DATASET_CORRUPT', `${archive}: ${what}`, 'Delete the archive from the data cache so it is downloaded again.');
}

const utf8 = new TextDecoder('utf-8');

function cString(block: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && block[end] !== 0) end++;
  return utf8.decode(block.subarray(start, end));
}

/** Octal number field, or GNU base-256 when the high bit of the first byte is set. */
function numberField(block: Uint8Array, start: number, length: number): number {
  const first = block[start] ?? 0;
  if (first & 0x80) {
    let v = first & 0x7f;
    for (let i = start + 1; i < start + length; i++) v = v * 256 + (block[i] ?? 0);
    return v;
  }
  const s = cString(block, start, length).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return Number.NaN;
  return parseInt(s, 8);
}

function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

function checksumOk(block: Uint8Array): boolean {
  const stored = numberField(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return stored === sum;
}

/** `key=value` records of a PAX extended header: "<len> <key>=<value>\n". */
function paxPath(data: Uint8Array): string | undefined {
  const text = utf8.decode(data);
  let pos = 0;
  while (pos < text.length) {
    const space = text.indexOf(' ', pos);
    if (space < 0) break;
    const len = parseInt(text.slice(pos, space), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = text.slice(space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0 && record.slice(0, eq) === 'path') return record.slice(eq + 1);
    pos += len;
  }
  return undefined;
}

/**
 * Reads a tar stream, calling `onEntry` for each file or directory. Bytes of entries whose
 * callback returns null are skipped. Throws E_DATASET_CORRUPT on a bad header checksum or a
 * stream that ends inside an entry.
 */
export async function readTar(
  source: AsyncIterable<Uint8Array>,
  onEntry: (entry: TarEntry) => TarSink | null | Promise<TarSink | null>,
  archiveName = 'tar archive',
): Promise<void> {
  // Pending bytes not yet consumed, as a list of chunks (no re-copying of large bodies).
  let chunks: Uint8Array[] = [];
  let buffered = 0;
  const header = new Uint8Array(BLOCK);
  let headerFill = 0;

  type State =
    | { kind: 'header' }
    | { kind: 'body'; remaining: number; padding: number; sink: TarSink | null; meta: 'longname' | 'pax' | null; metaBytes: Uint8Array[] }
    | { kind: 'padding'; remaining: number }
    | { kind: 'end' };
  let state: State = { kind: 'header' };
  let longName: string | undefined;
  let entries = 0;

  const take = (n: number): Uint8Array => {
    // Returns up to n bytes from the front of the pending chunks.
    const first = chunks[0] as Uint8Array;
    if (first.length <= n) {
      chunks.shift();
      buffered -= first.length;
      return first;
    }
    chunks[0] = first.subarray(n);
    buffered -= n;
    return first.subarray(0, n);
  };

  const startEntry = async (): Promise<void> => {
    if (isZeroBlock(header)) {
      state = { kind: 'end' };
      return;
    }
    if (!checksumOk(header)) throw corrupt(archiveName, `header checksum mismatch at entry ${entries + 1} (not a tar file, or damaged)`);
    const size = numberField(header, 124, 12);
    if (!Number.isFinite(size) || size < 0) throw corrupt(archiveName, `bad size field in entry ${entries + 1}`);
    const flag = String.fromCharCode(header[156] ?? 0);
    const magic = cString(header, 257, 6);
    const prefix = magic.startsWith('ustar') && header[262] === 0 ? cString(header, 345, 155) : '';
    let name = cString(header, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    if (longName !== undefined) {
      name = longName;
      longName = undefined;
    }
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (flag === 'L' || flag === 'x') {
      state = { kind: 'body', remaining: size, padding, sink: null, meta: flag === 'L' ? 'longname' : 'pax', metaBytes: [] };
      return;
    }
    entries++;
    const type: TarEntry['type'] = flag === '0' || flag === '\0' || flag === '7' ? 'file' : flag === '5' ? 'directory' : 'other';
    const sink = await onEntry({ name, type, size: type === 'file' ? size : 0 });
    state = { kind: 'body', remaining: size, padding, sink: type === 'file' ? sink : null, meta: null, metaBytes: [] };
  };

  const finishBody = async (s: Extract<State, { kind: 'body' }>): Promise<void> => {
    if (s.meta !== null) {
      const data = concatBytes(s.metaBytes);
      longName = s.meta === 'longname' ? cString(data, 0, data.length) : (paxPath(data) ?? longName);
    }
    await s.sink?.end();
    state = { kind: 'padding', remaining: s.padding };
  };

  const pump = async (): Promise<void> => {
    for (;;) {
      if (state.kind === 'end') {
        chunks = [];
        buffered = 0;
        return;
      }
      if (state.kind === 'header') {
        while (headerFill < BLOCK && buffered > 0) {
          const part = take(BLOCK - headerFill);
          header.set(part, headerFill);
          headerFill += part.length;
        }
        if (headerFill < BLOCK) return;
        headerFill = 0;
        await startEntry();
        continue;
      }
      if (state.kind === 'body') {
        if (state.remaining === 0) {
          await finishBody(state);
          continue;
        }
        if (buffered === 0) return;
        const part = take(state.remaining);
        state.remaining -= part.length;
        if (state.meta !== null) state.metaBytes.push(part.slice());
        else if (state.sink) await state.sink.write(part);
        continue;
      }
      // padding
      if (state.remaining === 0) {
        state = { kind: 'header' };
        continue;
      }
      if (buffered === 0) return;
      state.remaining -= take(state.remaining).length;
    }
  };

  for await (const chunk of source) {
    if ((state as State).kind === 'end') continue; // trailing zero blocks and gzip padding
    if (chunk.length === 0) continue;
    chunks.push(chunk);
    buffered += chunk.length;
    await pump();
  }
  await pump();
  const last = state as State;
  // A missing end-of-archive marker is tolerated (some writers omit it) unless we stopped inside an entry.
  if (last.kind === 'body' || (last.kind === 'header' && headerFill > 0) || (last.kind === 'padding' && last.remaining > 0)) {
    throw corrupt(archiveName, `truncated: the archive ends inside entry ${entries}`);
  }
}
