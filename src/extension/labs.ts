/**
 * The course's four experiments, as the walkthrough "Deep Learning for Vision: the labs" offers
 * them (package.json `contributes.walkthroughs`, one step per lab): which example each copies into
 * the workspace and which view shows its lesson. Plain data without vscode, so the manifest's unit
 * test checks the walkthrough's command links against it; `commands/labs.ts` acts on it.
 */

/** The walkthrough's id as `workbench.action.openWalkthrough` takes it: `publisher.name#id`. */
export const LABS_WALKTHROUGH = 'cnn-lab.cnn-lab#cnnLab.labs';

/** What shows a lab's lesson once its model is open. */
export type LabLesson =
  /** The dashboard of the model's latest run (curves, summary, feature maps); the Keras-style summary until it has one. */
  | 'dashboard'
  /** The Configure Dropout Placement picker on the model, then the dashboard's training against validation curves. */
  | 'dropoutPlacement'
  /** The Filters view (each first-layer filter per colour channel) and the dashboard's explainer of filter 0. */
  | 'colourFilters';

export interface Lab {
  /** The example under examples/, copied into the workspace (or the scratch folder) under the same name. */
  readonly example: string;
  readonly lesson: LabLesson;
  /** The data set is downloaded on the first training (CIFAR-10: about 170 MB). */
  readonly needsDownload: boolean;
}

/** The labs in the walkthrough's order; the ids are the argument of `cnnLab.openLab`. */
export const LABS = {
  /** MNIST with 2 conv + 2 dense layers, about 99% test accuracy (docs/course.md §1). */
  mnist: { example: 'mnist.cnn.yaml', lesson: 'dashboard', needsDownload: false },
  /** Course section 3.5: the Keras mnist_convnet with dropout 0.5 between the flattened features and the output. */
  dropout: { example: 'mnist-keras-example.cnn.yaml', lesson: 'dropoutPlacement', needsDownload: false },
  /** Course section 3.6.1: a colour convolution is one kernel slice per input channel, summed. */
  colour: { example: 'shapes-rgb.cnn.yaml', lesson: 'colourFilters', needsDownload: false },
  /** The simplified AlexNet on CIFAR-10, about 67% test accuracy in the course (docs/course.md §4). */
  cifar10: { example: 'cifar10-alexnet.cnn.yaml', lesson: 'dashboard', needsDownload: true },
} as const satisfies Record<string, Lab>;

export type LabId = keyof typeof LABS;

export const LAB_IDS = Object.keys(LABS) as LabId[];

export const isLabId = (v: unknown): v is LabId => typeof v === 'string' && Object.prototype.hasOwnProperty.call(LABS, v);
