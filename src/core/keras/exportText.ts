/**
 * What Export Trained Model needs from the model language, from a run's model text: its Keras
 * file plan and its Python script. The CLI and the extension hand this to the host's exporter.
 */
import { CnnLabError } from '../../shared/errors';
import type { KerasExport } from '../../shared/kerasFiles';
import { analyzeModelText } from '../analyze';
import { kerasFilePlan } from './exportModel';
import { pythonScript } from './pythonScript';

/** The Keras export of a run's model text; throws CnnLabError when the text does not validate or Keras cannot express it. */
export function kerasExportOf(modelText: string, o: { readonly version: string; readonly savedAt: Date; readonly runId?: string }): KerasExport {
  const analysis = analyzeModelText(modelText);
  const spec = analysis.spec;
  if (spec === null) {
    const first = analysis.diagnostics.find((d) => d.severity === 'error');
    throw new CnnLabError('E_MODEL_INVALID', `The run's model.cnn.yaml does not validate${first !== undefined ? ` (line ${first.range.start.line + 1}: ${first.message})` : ''}.`, 'Export a run that CNN Lab trained.');
  }
  // The text itself goes into metadata.json, so that importing the file gives back this very file.
  const keras = kerasFilePlan(spec, { ...o, modelText });
  return {
    modelName: spec.name,
    keras,
    script: (weightsFile, scriptFile) => pythonScript(spec, { version: o.version, weightsFile, scriptFile, ...(o.runId !== undefined ? { runId: o.runId } : {}) }),
  };
}
