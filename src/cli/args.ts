/**
 * Command-line parsing for `cnn-lab`: argv in, a typed command out, or a UsageError whose message
 * says what was wrong. Pure, so every flag is unit-tested without starting anything.
 */
import { parseArgs } from 'node:util';
import { BUILTIN_DATASETS, type BuiltinDatasetName } from '../shared/modelSpec';
import { BACKEND_CHOICES, type BackendChoice } from '../shared/trainerProtocol';
import { MAX_EPOCHS, MAX_TRAIN_SAMPLES } from '../shared/settings';
import { EXPORT_FORMATS, type ExportFormat } from '../host/keras/interop';
import { EXPERIMENT_KINDS, type ExperimentKind } from '../shared/experimentFiles';

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

/** `cnn-lab export`: a run's trained model as a Keras file, a Python script or TensorFlow.js. */
export interface ExportOptions {
  /** A run folder, or a run's name under the runs folder. */
  readonly run: string;
  readonly format: ExportFormat;
  /** A folder (default: the current one), or for keras a `.keras` file, for script a `.py` file. */
  readonly out: string | undefined;
  /** Runs folder a run name is looked up in (default: .cnn-lab/runs under the current directory). */
  readonly runs: string | undefined;
}

/** `cnn-lab import`: a Keras or TensorFlow.js model as a model file. */
export interface ImportOptions {
  readonly file: string;
  /** The model file to write (default: beside the file, `<name>.cnn.yaml`). */
  readonly out: string | undefined;
  /** Also prepare a run that fine-tunes from the imported weights. */
  readonly fineTune: boolean;
  /** Runs folder for that run (default: .cnn-lab/runs under the current directory). */
  readonly runs: string | undefined;
  readonly dataset: BuiltinDatasetName | undefined;
  /** Replace an existing model file. */
  readonly force: boolean;
}

/** `cnn-lab compare`: the course's experiments, each variant a run, then the comparison table. */
export interface CompareOptions {
  readonly kind: ExperimentKind;
  /** The model file; optional only with `resume`. */
  readonly modelFile: string | undefined;
  /** An experiment folder (or its experiment.json) to continue. */
  readonly resume: string | undefined;
  readonly out: string | undefined;
  readonly epochs: number | undefined;
  readonly backend: BackendChoice | undefined;
  readonly maxTrainSamples: number | undefined;
  readonly maxTestSamples: number | undefined;
  readonly dataDir: string | undefined;
  readonly mirrors: readonly string[];
  readonly verbose: boolean;
}

type Topic = 'train' | 'summary' | 'runs' | 'export' | 'import' | 'compare';
const TOPICS: readonly Topic[] = ['train', 'summary', 'runs', 'export', 'import', 'compare'];
const topicOf = (s: string | undefined): Topic | undefined => TOPICS.find((t) => t === s);

export type CliCommand =
  | { readonly kind: 'help'; readonly topic: Topic | undefined }
  | { readonly kind: 'version' }
  | { readonly kind: 'train'; readonly options: TrainOptions }
  | { readonly kind: 'summary'; readonly file: string }
  | { readonly kind: 'runs'; readonly out: string | undefined; readonly json: boolean }
  | { readonly kind: 'export'; readonly options: ExportOptions }
  | { readonly kind: 'import'; readonly options: ImportOptions }
  | { readonly kind: 'compare'; readonly options: CompareOptions };

/** A mistake in the command line; the CLI prints the message and the usage and exits with 1. */
export class UsageError extends Error {
  constructor(message: string, readonly topic: Topic | undefined = undefined) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE: Readonly<Record<'main' | Topic, string>> = {
  main: `cnn-lab — train and inspect convolutional networks described in *.cnn.yaml files

Usage:
  cnn-lab train <model.cnn.yaml> [options]   train a model in a child process, write a run folder
  cnn-lab summary <model.cnn.yaml>           validate a model and print its Keras-style summary
  cnn-lab runs [--out DIR]                   list the runs in a runs folder
  cnn-lab export <run> [--format F] [--out P] a run's model as Keras .keras, Python script or TensorFlow.js
  cnn-lab import <file> [--fine-tune]        a Keras .keras/.h5 or TensorFlow.js model.json as a model file
  cnn-lab compare dropout|colour <model>     train the model's variants one after another, table them
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
  export: `Usage: cnn-lab export <run> [--format keras|tfjs|script|all] [--out PATH] [--runs DIR]

Writes a run's trained weights (final/, else its last checkpoint) as
  keras    a Keras 3 .keras file (default): keras.saving.load_model() gives the same model
  script   a Python script that rebuilds the model in Keras, compiles it with the model file's
           train block, loads the weights (<name>.weights.h5 beside it) and evaluates it on the
           model's data set (python <name>.py --limit 100 --data-dir DIR)
  tfjs     the TensorFlow.js layers folder (model.json + weights.bin)
  all      all three into one folder

<run> is a run folder, or a run's name in the runs folder (--runs DIR, default .cnn-lab/runs).
--out is a folder (default: the current one), or a .keras file (keras) or a .py file (script).`,
  import: `Usage: cnn-lab import <model.keras | model.h5 | model.json> [options]

Writes the equivalent *.cnn.yaml: every layer of the file through CNN Lab's layer types, or an
error naming each layer and setting the language does not have.

Options:
  --out FILE.cnn.yaml     the model file to write (default: beside the file, <name>.cnn.yaml)
  --fine-tune             also prepare a run whose starting checkpoint holds the imported weights;
                          \`cnn-lab train --resume <run>\` then trains on from them
  --runs DIR              runs folder for that run (default: .cnn-lab/runs)
  --dataset NAME          the data set to write: ${BUILTIN_DATASETS.join(' | ')}
                          (default: the file's own when CNN Lab exported it, else a guess)
  --force                 replace an existing model file`,
  compare: `Usage: cnn-lab compare dropout|colour <model.cnn.yaml> [options]
       cnn-lab compare --resume EXPERIMENT_DIR [options]

The course's experiments, each variant an ordinary run folder, one after another:
  dropout   the model without dropout, with dropout after flatten (recommended) and after every
            conv block; then the train/validation gap of accuracy and loss at each epoch per
            variant, and the test accuracy (course section 3.5: dropout fights overfitting)
  colour    the model on RGB and on grayscale input; then parameters, MACs, seconds per epoch
            and test accuracy (section 3.6.2); refused for a data set without colour (MNIST)
The experiment is recorded in <runs>/experiments/<model>-<kind>-<time>/experiment.json.

Options:
  --out DIR               runs folder (default: .cnn-lab/runs under the current directory)
  --epochs N              train each variant N epochs instead of the file's train.epochs
  --backend NAME          auto | tensorflow | wasm | cpu (default: auto)
  --max-train-samples N   cap the training samples of each variant (quick runs)
  --max-test-samples N    cap the test samples
  --resume DIR            continue a stopped experiment: its stopped variant from its checkpoint,
                          then the rest
  --data-dir DIR          data-set cache (default: $CNN_LAB_DATA_DIR or ~/.cache/cnn-lab/data)
  --mirror URL            MNIST-format mirror to try first; repeatable
  --verbose               also print the trainer's own stderr

Ctrl-C stops the current run after its batch (with a checkpoint) and the experiment with it;
\`cnn-lab compare --resume DIR\` continues it.`,
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

function parseExport(args: string[]): CliCommand {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { format: { type: 'string' }, out: { type: 'string' }, runs: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) return { kind: 'help', topic: 'export' };
  const run = positionals[0];
  if (run === undefined || positionals.length > 1) throw new UsageError('export takes exactly one run (a run folder or a run name)', 'export');
  const format = values.format ?? 'keras';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got '${format}'`, 'export');
  for (const [flag, v] of [['--out', values.out], ['--runs', values.runs]] as const) {
    if (v !== undefined && v.trim() === '') throw new UsageError(`${flag} needs a path`, 'export');
  }
  return { kind: 'export', options: { run, format: format as ExportFormat, out: values.out, runs: values.runs } };
}

function parseImport(args: string[]): CliCommand {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: {
      out: { type: 'string' }, 'fine-tune': { type: 'boolean' }, runs: { type: 'string' }, dataset: { type: 'string' },
      force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return { kind: 'help', topic: 'import' };
  const file = positionals[0];
  if (file === undefined || positionals.length > 1) throw new UsageError('import takes exactly one model file (.keras, .h5 or model.json)', 'import');
  const dataset = values.dataset;
  if (dataset !== undefined && !(BUILTIN_DATASETS as readonly string[]).includes(dataset)) {
    throw new UsageError(`--dataset must be one of ${BUILTIN_DATASETS.join(', ')}, got '${dataset}'`, 'import');
  }
  if (values.out !== undefined && !/\.cnn\.ya?ml$/.test(values.out)) throw new UsageError(`--out must name a *.cnn.yaml file, got '${values.out}'`, 'import');
  if (values.runs !== undefined && values.runs.trim() === '') throw new UsageError('--runs needs a folder', 'import');
  return {
    kind: 'import',
    options: {
      file, out: values.out, fineTune: values['fine-tune'] === true, runs: values.runs,
      dataset: dataset as BuiltinDatasetName | undefined, force: values.force === true,
    },
  };
}

function parseCompare(args: string[]): CliCommand {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: {
      out: { type: 'string' }, epochs: { type: 'string' }, backend: { type: 'string' },
      'max-train-samples': { type: 'string' }, 'max-test-samples': { type: 'string' }, resume: { type: 'string' },
      'data-dir': { type: 'string' }, mirror: { type: 'string', multiple: true }, verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return { kind: 'help', topic: 'compare' };
  const [kindArg, modelFile, ...extra] = positionals;
  const resume = values.resume;
  if (resume !== undefined && resume.trim() === '') throw new UsageError('--resume needs an experiment folder', 'compare');
  if (extra.length > 0) throw new UsageError(`compare takes an experiment and one model file, got also ${extra.join(' ')}`, 'compare');
  const kind = kindArg === 'color' ? 'colour' : kindArg;
  if (resume === undefined) {
    if (kind === undefined || !(EXPERIMENT_KINDS as readonly string[]).includes(kind)) {
      throw new UsageError(`compare needs the experiment: ${EXPERIMENT_KINDS.join(' or ')}${kind !== undefined ? `, got '${kind}'` : ''}`, 'compare');
    }
    if (modelFile === undefined) throw new UsageError(`compare ${kind} needs a model file`, 'compare');
  } else if (kind !== undefined && !(EXPERIMENT_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`compare --resume takes no model file (the experiment records its variants), got '${kindArg ?? ''}'`, 'compare');
  }
  const backend = values.backend;
  if (backend !== undefined && !(BACKEND_CHOICES as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got '${backend}'`, 'compare');
  }
  const mirrors = values.mirror ?? [];
  for (const m of mirrors) {
    if (!/^(https?|file):\/\/\S+$/.test(m)) throw new UsageError(`--mirror needs an http(s):// or file:// URL, got '${m}'`, 'compare');
  }
  const int = (flag: string, raw: string | undefined, max: number): number | undefined => {
    try {
      return positiveInt(flag, raw, max);
    } catch (err) {
      throw err instanceof UsageError ? new UsageError(err.message, 'compare') : err;
    }
  };
  return {
    kind: 'compare',
    options: {
      kind: (kind ?? 'dropout') as ExperimentKind, modelFile, resume, out: values.out,
      epochs: int('--epochs', values.epochs, MAX_EPOCHS),
      backend: backend as BackendChoice | undefined,
      maxTrainSamples: int('--max-train-samples', values['max-train-samples'], MAX_TRAIN_SAMPLES),
      maxTestSamples: int('--max-test-samples', values['max-test-samples'], MAX_TRAIN_SAMPLES),
      dataDir: values['data-dir'], mirrors, verbose: values.verbose === true,
    },
  };
}

/** Parses `argv` without the node binary and script (i.e. `process.argv.slice(2)`). */
export function parseCommandLine(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  const topic = topicOf(command);
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        return { kind: 'help', topic: topicOf(rest[0]) };
      case '--version':
      case '-v':
        return { kind: 'version' };
      case 'train':
        return parseTrain(rest);
      case 'summary':
        return parseSummary(rest);
      case 'runs':
        return parseRuns(rest);
      case 'export':
        return parseExport(rest);
      case 'import':
        return parseImport(rest);
      case 'compare':
        return parseCompare(rest);
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
