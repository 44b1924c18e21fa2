/**
 * Entry point of the headless CLI (bundled to dist/cli.js, started by bin/cnn-lab.js):
 * `cnn-lab train | summary | runs | export | import | compare`. Exit codes: 0 completed, 1 invalid model or usage,
 * 2 training failed, 130 stopped.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { analyzeModelText, formatSummaryTable } from '../core/index';
import { describeResume, listRuns, runsRoot, type RunListEntry } from '../host/runStore';
import { version } from '../../package.json';
import { parseCommandLine, USAGE, UsageError } from './args';
import { count, duration, percent, TableLayout, type Column } from './format';
import { compareCommand } from './compare';
import { exportCommand, importCommand } from './interop';
import { printDiagnostics, processTerminal, type Terminal } from './terminal';
import { EXIT, trainCommand } from './train';

async function summaryCommand(file: string, term: Terminal): Promise<number> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    term.error(`error: cannot read ${file}: ${(err as Error).message}`);
    return EXIT.invalid;
  }
  const analysis = analyzeModelText(text);
  const errors = printDiagnostics(term, file, analysis.diagnostics);
  if (errors > 0 || analysis.summary === null) {
    term.error(`${file}: ${errors} error${errors === 1 ? '' : 's'}`);
    return EXIT.invalid;
  }
  term.out(formatSummaryTable(analysis.summary, analysis.spec?.name));
  return EXIT.ok;
}

/** What `--resume` does with the run, short: `after 2`, `from start`, `eval only`, or `—`. */
function resumeCell(r: RunListEntry): string {
  if (!r.resume.resumable) return '—';
  if (r.resume.fromCheckpoint === null) return 'from start';
  return r.totalEpochs !== null && r.resume.fromCheckpoint >= r.totalEpochs ? 'eval only' : `after ${r.resume.fromCheckpoint}`;
}

const RUN_COLUMNS: readonly Column<RunListEntry>[] = [
  { header: 'run', align: 'left', value: (r) => r.runId },
  { header: 'model', align: 'left', value: (r) => r.name },
  { header: 'data set', align: 'left', value: (r) => r.dataset ?? '—' },
  { header: 'status', align: 'left', value: (r) => (r.problems.length > 0 && r.summary === null ? `${r.status}*` : r.status) },
  { header: 'epochs', align: 'right', value: (r) => `${r.epochsCompleted}/${r.totalEpochs ?? '?'}` },
  { header: 'best val_acc', align: 'right', value: (r) => percent(r.bestValAcc) },
  { header: 'test acc', align: 'right', value: (r) => percent(r.testAcc) },
  { header: 'resume', align: 'left', value: resumeCell },
  { header: 'backend', align: 'left', value: (r) => r.backend ?? '—' },
  { header: 'time', align: 'right', value: (r) => duration(r.durationSec) },
];

async function runsCommand(out: string | undefined, json: boolean, term: Terminal): Promise<number> {
  const root = out !== undefined ? path.resolve(out) : runsRoot(process.cwd());
  const runs = await listRuns(root);
  if (json) {
    for (const r of runs) term.out(JSON.stringify({ ...r, summary: undefined, resumeNote: describeResume(r.resume, r.totalEpochs) }));
    return EXIT.ok;
  }
  if (runs.length === 0) {
    term.out(`no runs in ${root}`);
    return EXIT.ok;
  }
  term.out(TableLayout.fit(RUN_COLUMNS, runs).render(runs));
  term.out('');
  term.out(`${count(runs.length)} run${runs.length === 1 ? '' : 's'} in ${root}`);
  const damaged = runs.filter((r) => r.summary === null);
  if (damaged.length > 0) term.out('* summary.json missing or damaged; shown from metrics.jsonl and checkpoints');
  if (runs.some((r) => r.resume.resumable)) term.out('resume: what `cnn-lab train --resume <run folder>` does (after N: from the checkpoint of epoch N; from start: no checkpoint yet, trains again from epoch 1)');
  return EXIT.ok;
}

export async function main(argv: readonly string[], term: Terminal = processTerminal()): Promise<number> {
  let command;
  try {
    command = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    term.error(`cnn-lab: ${err.message}`);
    term.error('');
    term.error(USAGE[err.topic ?? 'main']);
    return EXIT.invalid;
  }
  switch (command.kind) {
    case 'help':
      term.out(USAGE[command.topic ?? 'main']);
      return EXIT.ok;
    case 'version':
      term.out(version);
      return EXIT.ok;
    case 'summary':
      return summaryCommand(command.file, term);
    case 'runs':
      return runsCommand(command.out, command.json, term);
    case 'train':
      return trainCommand(command.options, term);
    case 'export':
      return exportCommand(command.options, term);
    case 'import':
      return importCommand(command.options, term);
    case 'compare':
      return compareCommand(command.options, term);
  }
}

/** Runs the CLI on this process's arguments and sets its exit code (used by bin/cnn-lab.js). */
export function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // `cnn-lab runs | head`: a closed pipe ends the CLI quietly instead of with an EPIPE stack.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  return main(argv).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`cnn-lab: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}

// `node dist/cli.js ...` works too; bin/cnn-lab.js requires the bundle and calls run().
if (require.main === module) void run();
