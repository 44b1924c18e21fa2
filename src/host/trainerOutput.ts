/**
 * How loud a line the trainer prints is. The trainer's own reports arrive as messages; what it
 * prints is mostly libtensorflow's start-up chatter (absl log lines such as `I0000 00:00:… port.cc]
 * oneDNN custom operations are on`, CPU-feature notes), which belongs in the trace level of a log,
 * not among the run's news. absl's own level letter (I, W, E, F) is kept; other lines that say
 * "error" or "warning" are raised to it; the rest is information.
 */
export type OutputLevel = 'trace' | 'info' | 'warn' | 'error';

const ABSL = /^\s*([IWEF])\d{4} [\d:.]+\s+\d+\s+\S+:\d+\]/;
const CHATTER = [
  /^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR/,
  /^To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags/,
  /This TensorFlow binary is optimized to use available CPU instructions/,
  /oneDNN custom operations are on/,
  /^\s*$/,
];

export function trainerOutputLevel(line: string): OutputLevel {
  const absl = ABSL.exec(line);
  if (absl) return absl[1] === 'I' ? 'trace' : absl[1] === 'W' ? 'warn' : 'error';
  if (CHATTER.some((re) => re.test(line))) return 'trace';
  if (/\b(error|exception|fatal|segmentation fault|abort(ed)?)\b/i.test(line)) return 'error';
  if (/\bwarn(ing)?\b/i.test(line)) return 'warn';
  return 'info';
}
