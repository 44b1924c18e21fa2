/**
 * Command-line parsing for `cnn-lab`: argv in, a typed command out, or a UsageError whose message
 * says what was wrong. Pure, so every flag is unit-tested without starting anything.
 */
import { parseArgs } from 'node:util';
import { BUILTIN_DATASETS, type BuiltinDatasetName } from '../shared/modelSpec';
import { BACKEND_CHOICES, type BackendChoice } from '../shared/trainerProtocol';
import { MAX_EPOCHS, MAX_TRAIN_SAMPLES } from '../shared/settings';

export interface TrainOptions {
  /** The model file; optional only with `resume` (the run's own model.cnn.yaml is used). */
  readonly modelFile: string | undefined;
  /** Folder for run folders; default `.cnn-lab/runs` under the working directory. */
  readonly out: string | undefined;
  readonly epochs: number | undefined;
  readonly backend: BackendChoice;
  readonly dataset: BuiltinDatasetName | undefined;
  readonly grayscale: boolean;
  readonly maxTrainSamples: number | undefined;
  readonly maxTestSamples: number | undefined;
  /** Run folder to continue from its last checkpoint. */
  readonly resume: string | undefined;
  readonly dataDir: string | undefined;
  readonly mirrors: readonly string[];
  /** One JSON object per trainer message on stdout instead of the human-readable output. */
  readonly json: boolean;
  /** Also print the trainer's stderr (native library chatter) as it comes. */
  readonly verbose: boolean;
}

export type CliCommand =
  | { readonly kind: 'help'; readonly topic: 'train' | 'summary' | 'runs' | undefined }
  | { readonly kind: 'version' }
  | { readonly kind: 'train'; readonly options: TrainOptions }
  | { readonly kind: 'summary'; readonly file: string }
  | { readonly kind: 'runs'; readonly out: string | undefined; readonly json: boolean };

/** A mistake in the command line; the CLI prints the message and the usage and exits with 1. */
export class UsageError extends Error {
  constructor(message: string, readonly topic: 'train' | 'summary' | 'runs' | undefined = undefined) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE: Readonly<Record<'main' | 'train' | 'summary' | 'runs', string>> = {
  main: `cnn-lab — train and inspect convolutional networks described in *.cnn.yaml files

Usage:
  cnn-lab train <model.cnn.yaml> [options]   train a model in a child process, write a run folder
  cnn-lab summary <model.cnn.yaml>           validate a model and print its Keras-style summary
  cnn-lab runs [--out DIR]                   list the runs in a runs folder
  cnn-lab --help | <command> --help          this text, or a command's options
  cnn-lab --version

Exit codes: 0 completed, 1 invalid model or usage, 2 training failed, 130 stopped (Ctrl-C).`,
  train: `Usage: cnn-lab train <model.cnn.yaml> [options]

Options:
  --out DIR               runs folder (default: .cnn-lab/runs under the current directory)
  --epochs N              train N epochs instead of the file's train.epochs
  --backend NAME          auto | tensorflow | wasm | cpu (default: auto, the fastest that loads)
  --dataset NAME          use another built-in data set: ${BUILTIN_DATASETS.join(' | ')}
  --grayscale             convert colour images to one channel
  --max-train-samples N   cap the training samples (quick runs)
  --max-test-samples N    cap the test samples
  --resume RUN_DIR        continue a run from its last checkpoint, or from epoch 1 if it
                          has none yet (model file optional; \`cnn-lab runs\` shows which)
  --data-dir DIR          data-set cache (default: $CNN_LAB_DATA_DIR or ~/.cache/cnn-lab/data)
  --mirror URL            MNIST-format mirror to try first; repeatable
  --json                  print each trainer message as one JSON line
  --verbose               also print the trainer's own stderr

Ctrl-C stops after the current batch and keeps a checkpoint; a second Ctrl-C kills the trainer.`,
  summary: `Usage: cnn-lab summary <model.cnn.yaml>

Validates the model and prints each layer's output shape and parameter count.`,
  runs: `Usage: cnn-lab runs [--out DIR] [--json]

Lists the runs in DIR (default: .cnn-lab/runs under the current directory), newest first.`,
};

function positiveInt(flag: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`${flag} needs a whole number, got '${raw}'`, 'train');
  const n = Number(raw);
  if (n < 1 || n > max) throw new UsageError(`${flag} must be between 1 and ${max.toLocaleString('en-US')}, got ${raw}`, 'train');
  return n;
}

function parseTrain(args: string[]): CliCommand {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      epochs: { type: 'string' },
      backend: { type: 'string' },
      dataset: { type: 'string' },
      grayscale: { type: 'boolean' },
      'max-train-samples': { type: 'string' },
      'max-test-samples': { type: 'string' },
      resume: { type: 'string' },
      'data-dir': { type: 'string' },
      mirror: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return { kind: 'help', topic: 'train' };
  if (positionals.length > 1) throw new UsageError(`train takes one model file, got ${positionals.length}: ${positionals.join(' ')}`, 'train');
  const modelFile = positionals[0];
  if (modelFile === undefined && values.resume === undefined) throw new UsageError('train needs a model file (or --resume RUN_DIR)', 'train');

  const backend = values.backend ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got '${backend}'`, 'train');
  }
  const dataset = values.dataset;
  if (dataset !== undefined && !(BUILTIN_DATASETS as readonly string[]).includes(dataset)) {
    throw new UsageError(`--dataset must be one of ${BUILTIN_DATASETS.join(', ')}, got '${dataset}'`, 'train');
  }
  const mirrors = values.mirror ?? [];
  for (const m of mirrors) {
    if (!/^(https?|file):\/\/\S+$/.test(m)) throw new UsageError(`--mirror needs an http(s):// or file:// URL, got '${m}'`, 'train');
  }
  for (const [flag, v] of [['--out', values.out], ['--resume', values.resume], ['--data-dir', values['data-dir']]] as const) {
    if (v !== undefined && v.trim() === '') throw new UsageError(`${flag} needs a folder`, 'train');
  }

  return {
    kind: 'train',
    options: {
      modelFile,
      out: values.out,
      epochs: positiveInt('--epochs', values.epochs, MAX_EPOCHS),
      backend: backend as BackendChoice,
      dataset: dataset as BuiltinDatasetName | undefined,
      grayscale: values.grayscale === true,
      maxTrainSamples: positiveInt('--max-train-samples', values['max-train-samples'], MAX_TRAIN_SAMPLES),
      maxTestSamples: positiveInt('--max-test-samples', values['max-test-samples'], MAX_TRAIN_SAMPLES),
      resume: values.resume,
      dataDir: values['data-dir'],
      mirrors,
      json: values.json === true,
      verbose: values.verbose === true,
    },
  };
}

function parseSummary(args: string[]): CliCommand {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help === true) return { kind: 'help', topic: 'summary' };
  const file = positionals[0];
  if (file === undefined || positionals.length > 1) throw new UsageError('summary takes exactly one model file', 'summary');
  return { kind: 'summary', file };
}

function parseRuns(args: string[]): CliCommand {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) return { kind: 'help', topic: 'runs' };
  if (positionals.length > 0) throw new UsageError(`runs takes no arguments, got ${positionals.join(' ')}`, 'runs');
  return { kind: 'runs', out: values.out, json: values.json === true };
}

/** Parses `argv` without the node binary and script (i.e. `process.argv.slice(2)`). */
export function parseCommandLine(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  const topic = command === 'train' || command === 'summary' || command === 'runs' ? command : undefined;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        return { kind: 'help', topic: rest[0] === 'train' || rest[0] === 'summary' || rest[0] === 'runs' ? rest[0] : undefined };
      case '--version':
      case '-v':
        return { kind: 'version' };
      case 'train':
        return parseTrain(rest);
      case 'summary':
        return parseSummary(rest);
      case 'runs':
        return parseRuns(rest);
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // parseArgs throws TypeErrors such as "Unknown option '--epoch'"; keep their message.
    const message = err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err);
    throw new UsageError(message, topic);
  }
}
