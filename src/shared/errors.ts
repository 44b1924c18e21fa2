/**
 * Typed errors that cross process boundaries (trainer → host, server → client). Each carries a
 * stable code and a user-facing hint saying what to do next; `toWire`/`fromWire` serialise them.
 */
const ERROR_CODES = [
  'E_MODEL_INVALID',
  'E_DATASET_UNAVAILABLE',
  'E_DATASET_CORRUPT',
  'E_CHECKSUM',
  'E_BACKEND_UNAVAILABLE',
  'E_RUN_NOT_RESUMABLE',
  'E_TRAINER_CRASHED',
  'E_TRAINER_UNRESPONSIVE',
  'E_IO',
  'E_NETWORK',
  'E_CANCELLED',
  'E_INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  /** What the user can do about it, one sentence. */
  readonly hint?: string;
  readonly stack?: string;
}

export class CnnLabError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CnnLabError';
  }

  toWire(): WireError {
    return { code: this.code, message: this.message, hint: this.hint, stack: this.stack };
  }

  static fromWire(w: WireError): CnnLabError {
    const e = new CnnLabError(w.code, w.message, w.hint);
    if (w.stack !== undefined) e.stack = w.stack;
    return e;
  }
}

/** Any thrown value as a wire error; unknown errors become `E_INTERNAL`. */
export function toWireError(err: unknown): WireError {
  if (err instanceof CnnLabError) return err.toWire();
  if (err instanceof Error) return { code: 'E_INTERNAL', message: err.message, stack: err.stack };
  return { code: 'E_INTERNAL', message: String(err) };
}

export function isWireError(v: unknown): v is WireError {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.code === 'string' && (ERROR_CODES as readonly string[]).includes(o.code) && typeof o.message === 'string';
}
