/**
 * What the layer modules share to say how they look in Keras (each module's `keras.config` and
 * `keras.fromConfig`): the reader of a Keras layer config, which marks every setting it reads and
 * refuses, with the setting's key and the reason, what the model language cannot express; and the
 * writing side's spellings (activations, pairs, `data_format`). Keras 3.15 writes the configs
 * read here; Keras 2 (`.h5`) and TensorFlow.js (`model.json`) spell a few settings their own way
 * (`alpha` for LeakyReLU's slope, `hardSigmoid`), which the reader accepts by its dialect.
 */
import { ACTIVATIONS } from '../../shared/modelSpec';
import type { Activation, Pair, Padding } from '../../shared/modelSpec';

/** Who wrote a config: Keras (2 or 3) or TensorFlow.js (whose activations have their own names and meanings). */
export type KerasDialect = 'keras' | 'tfjs';

/**
 * A setting one side cannot express exactly: thrown by `config` (a spec Keras cannot compute) and
 * by the reader (a Keras setting the language lacks). `setting` is the Keras key, or null for the
 * layer as a whole; the message says what it is and what to do.
 */
export class KerasMismatch extends Error {
  constructor(readonly setting: string | null, message: string) {
    super(message);
    this.name = 'KerasMismatch';
  }
}

/** Keras activation names, by the language's (Keras 3 serialises `swish` as `silu`). */
const TO_KERAS: Readonly<Record<Exclude<Activation, 'hardSigmoid'>, string>> = {
  linear: 'linear', relu: 'relu', relu6: 'relu6', elu: 'elu', selu: 'selu', sigmoid: 'sigmoid', tanh: 'tanh',
  softmax: 'softmax', softplus: 'softplus', softsign: 'softsign', swish: 'silu', gelu: 'gelu',
};

/** The language's activation by Keras's name (aliases Keras accepts included). */
const FROM_KERAS: Readonly<Record<string, Activation>> = {
  ...Object.fromEntries(Object.entries(TO_KERAS).map(([ours, theirs]) => [theirs, ours as Activation])),
  swish: 'swish', silu: 'swish',
};

/**
 * Keras's name of an activation. `hardSigmoid` has none: CNN Lab (as TensorFlow.js and Keras 2)
 * computes clip(0.2·x + 0.5, 0, 1), Keras 3's `hard_sigmoid` relu6(x + 3) / 6, so the export
 * writes it as two layers of its own (src/core/keras/exportModel.ts, HARD_SIGMOID_RESCALING).
 */
export function kerasActivation(a: Activation): string {
  if (a === 'hardSigmoid') throw new Error('hardSigmoid is exported as Rescaling and ReLU layers, not as a Keras activation name');
  return TO_KERAS[a];
}

/** A pair as Keras writes it: `[h, w]`. */
export function kerasPair(p: Pair): [number, number] {
  return [p[0], p[1]];
}

/** Every spatial layer states its layout: Keras's default follows `~/.keras/keras.json`, which may say channels_first. */
export const CHANNELS_LAST = { data_format: 'channels_last' } as const;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

/** Two setting values are the same when equal as JSON, a scalar standing for a pair of itself (`1` is `[1, 1]`). */
function sameSetting(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => (typeof v === 'number' ? [v, v] : v);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/** The class name of a serialised Keras object (`{ class_name, config }`) or a plain string. */
function classNameOf(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (isRecord(v) && typeof v.class_name === 'string') return v.class_name;
  return null;
}

/** `GlorotUniform`, `glorot_uniform` and `glorotUniform` are one initializer. */
const initializerKey = (name: string): string => name.replace(/_/g, '').toLowerCase();

/**
 * Reads one Keras layer's config. Every read marks its key, so the caller can refuse the settings
 * nobody read (`unread`): a setting CNN Lab does not know is never dropped silently. Reads throw
 * KerasMismatch for values the language cannot express; `notes` collects what is kept but worth
 * saying (an initializer that only matters when training from scratch).
 */
export class KerasConfigReader {
  private readonly read = new Set<string>();
  readonly notes: string[] = [];

  /**
   * `args`: the layer's `config`; `inputRank`: rank of its input without the batch (for
   * BatchNormalization's axis), 0 when unknown.
   */
  constructor(private readonly args: Readonly<Record<string, unknown>>, readonly dialect: KerasDialect, readonly inputRank: number) {}

  /** The raw value of the first of `keys` present (marking them all read), or undefined. */
  raw(...keys: readonly string[]): unknown {
    let value: unknown;
    for (const k of keys) {
      this.read.add(k);
      if (value === undefined && this.args[k] !== undefined && this.args[k] !== null) value = this.args[k];
    }
    return value;
  }

  /** Keys that were never read and hold something other than null. */
  unread(): string[] {
    return Object.keys(this.args).filter((k) => !this.read.has(k) && this.args[k] !== null && this.args[k] !== undefined);
  }

  refuse(setting: string | null, message: string): never {
    throw new KerasMismatch(setting, message);
  }

  number(keys: string | readonly string[], fallback?: number): number {
    const list = typeof keys === 'string' ? [keys] : keys;
    const v = this.raw(...list);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.refuse(list[0] ?? null, `${list[0] ?? 'a setting'} must be a number, got ${show(v)}.`);
    return v;
  }

  int(key: string, fallback?: number): number {
    const v = this.number(key, fallback);
    if (!Number.isInteger(v)) this.refuse(key, `${key} must be a whole number, got ${v}.`);
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') this.refuse(key, `${key} must be true or false, got ${show(v)}.`);
    return v;
  }

  /** `3`, `[3, 3]` or `(3, 3)` as a pair. */
  pair(key: string, fallback?: Pair): Pair {
    const v = this.raw(key);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v === 'number' && Number.isInteger(v)) return [v, v];
    if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x))) return [v[0] as number, v[1] as number];
    return this.refuse(key, `${key} must be a whole number or two of them (2-D layers only), got ${show(v)}.`);
  }

  padding(key = 'padding'): Padding {
    const v = this.raw(key) ?? 'valid';
    if (v === 'valid' || v === 'same') return v;
    return this.refuse(key, `padding ${show(v)} is not one CNN Lab has (valid, same).`);
  }

  /** The activation by its Keras (or, in a TensorFlow.js file, its TensorFlow.js) name. */
  activation(key = 'activation'): Activation {
    const v = this.raw(key) ?? 'linear';
    if (typeof v !== 'string') {
      return this.refuse(key, `activation ${show(classNameOf(v) ?? v)} is a custom function; CNN Lab has ${ACTIVATIONS.join(', ')}.`);
    }
    if (this.dialect === 'tfjs' && (ACTIVATIONS as readonly string[]).includes(v)) return v as Activation;
    // TensorFlow.js writes its hardSigmoid (CNN Lab's, Keras 2's) under Keras's name.
    if (this.dialect === 'tfjs' && v === 'hard_sigmoid') return 'hardSigmoid';
    const ours = FROM_KERAS[v];
    if (ours !== undefined) return ours;
    if (v === 'hard_sigmoid') {
      return this.refuse(key, 'Keras\'s hard_sigmoid is not CNN Lab\'s hardSigmoid (Keras 3 computes relu6(x + 3) / 6, CNN Lab as TensorFlow.js clip(0.2·x + 0.5, 0, 1), which Keras writes as Rescaling(scale=0.2, offset=0.5) then ReLU(max_value=1)): no activation of the language gives the same outputs.');
    }
    return this.refuse(key, `activation '${v}' is not one CNN Lab has (${ACTIVATIONS.filter((a) => a !== 'hardSigmoid').map((a) => TO_KERAS[a]).join(', ')}).`);
  }

  /** The setting must be absent, null or one of `allowed` (what CNN Lab computes). */
  expect(key: string, ...allowed: readonly unknown[]): void {
    const v = this.raw(key);
    if (v === undefined || allowed.some((a) => sameSetting(v, a))) return;
    this.refuse(key, `${key} ${show(v)} is not supported: CNN Lab computes ${allowed.map(show).join(' or ')} only.`);
  }

  /** Settings CNN Lab has no counterpart for (regularizers, constraints): they must be null. */
  none(...keys: readonly string[]): void {
    for (const k of keys) {
      const v = this.raw(k);
      if (v !== undefined) this.refuse(k, `${k} ${show(classNameOf(v) ?? v)} is not supported: CNN Lab's layers have no ${k.replace(/_/g, ' ')}; remove it in Keras and save again.`);
    }
  }

  /** Settings that change nothing CNN Lab keeps (a dropout seed: the run's seed drives dropout). */
  ignore(...keys: readonly string[]): void {
    for (const k of keys) this.read.add(k);
  }

  /**
   * An initializer: imported weights replace it, but a training from scratch starts from Keras's
   * default (`expected`, e.g. GlorotUniform) in CNN Lab, so a different one is noted. TensorFlow.js
   * files are not checked: CNN Lab's own model.json lists zeros there (its trainer draws Keras's
   * initial values itself).
   */
  initializer(key: string, expected: string): void {
    const v = this.raw(key);
    if (v === undefined || this.dialect === 'tfjs') return;
    const name = classNameOf(v);
    if (name !== null && initializerKey(name) === initializerKey(expected)) return;
    this.notes.push(`${key} ${name ?? show(v)} becomes ${expected} (CNN Lab's initializer) when the model is trained from scratch; imported weights are kept as they are`);
  }
}
