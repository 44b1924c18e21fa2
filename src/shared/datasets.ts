import type { BuiltinDatasetName } from './modelSpec';

/** Static facts about each built-in data set, shared by the language server, trainer and UI. */
export interface DatasetInfo {
  readonly name: BuiltinDatasetName;
  readonly title: string;
  readonly description: string;
  /** [height, width, channels] of the raw images. */
  readonly inputShape: readonly [number, number, number];
  readonly classNames: readonly string[];
  readonly trainCount: number;
  readonly testCount: number;
  /** Where the data comes from when nothing is cached. */
  readonly availability: 'generated' | 'download-with-offline-fallback' | 'download-or-local' | 'download';
  readonly downloadBytes: number;
}

export const DATASETS: Readonly<Record<BuiltinDatasetName, DatasetInfo>> = {
  mnist: {
    name: 'mnist',
    title: 'MNIST handwritten digits',
    description: '28×28 grayscale digits 0–9, the official 60,000 training and 10,000 test images. Downloaded from the configured mirrors; offline, the verified copy shipped with CNN Lab is used instead.',
    inputShape: [28, 28, 1],
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    trainCount: 60000,
    testCount: 10000,
    availability: 'download-with-offline-fallback',
    downloadBytes: 11_594_722,
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    description: '28×28 grayscale clothing images in 10 classes. Read from /usr/share/datasets/fashion-mnist when Debian\'s dataset-fashion-mnist is installed, else downloaded.',
    inputShape: [28, 28, 1],
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    trainCount: 60000,
    testCount: 10000,
    availability: 'download-or-local',
    downloadBytes: 30_878_645,
  },
  cifar10: {
    name: 'cifar10',
    title: 'CIFAR-10',
    description: '32×32 colour photos in 10 classes (binary version, 162 MB download).',
    inputShape: [32, 32, 3],
    classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    trainCount: 50000,
    testCount: 10000,
    availability: 'download',
    downloadBytes: 170_052_171,
  },
  shapes: {
    name: 'shapes',
    title: 'Colour shapes (generated)',
    description: '32×32 colour images of circles, squares and triangles in red, green or blue on noisy backgrounds; 9 classes that need both colour and shape. Generated locally from the seed.',
    inputShape: [32, 32, 3],
    classNames: [
      'red circle', 'green circle', 'blue circle',
      'red square', 'green square', 'blue square',
      'red triangle', 'green triangle', 'blue triangle',
    ],
    trainCount: 4500,
    testCount: 900,
    availability: 'generated',
    downloadBytes: 0,
  },
};
