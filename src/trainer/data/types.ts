/**
 * The in-memory form every data source produces. Kept as raw bytes (0..255, row-major HWC) so a
 * 60,000-image set costs 47 MB rather than 188 MB of float32; the trainer normalises per batch.
 */

/** `count` images of the data set's shape, concatenated, with one class index per image. */
export interface ImageSet {
  /** count × H × W × C bytes, row-major, channels last (HWC), 0..255. */
  readonly images: Uint8Array;
  /** count class indices into `LoadedDataset.classNames`. */
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface LoadedDataset {
  /** `mnist`, `fashion-mnist`, `cifar10`, `shapes`, or the image folder's base name. */
  readonly name: string;
  /** User-facing origin, e.g. "MNIST official 60,000/10,000, offline copy shipped with CNN Lab (content SHA-256 verified; no mirror reachable)". */
  readonly source: string;
  /** [height, width, channels] of each image after `grayscale` is applied. */
  readonly shape: readonly [number, number, number];
  readonly classNames: readonly string[];
  readonly train: ImageSet;
  readonly test: ImageSet;
}

/** Progress of a long data step (download, unpack, decode), reported to the UI. */
export interface DataProgress {
  /** What is happening, e.g. "Downloading train-images-idx3-ubyte.gz". */
  task: string;
  /** 0..1, or null when the total is unknown. */
  fraction: number | null;
  /** Extra line, e.g. "3.1 / 9.9 MB from storage.googleapis.com". */
  detail?: string;
}

export interface LoadOptions {
  /** Cache folder: downloads, unpacked archives and decoded image folders are kept here. */
  dataDir: string;
  /** Folder relative dataset paths resolve against (the model file's folder). */
  modelDir: string;
  /** Convert colour data to one channel (ITU-R BT.601 luma). */
  grayscale: boolean;
  /** Seeds generated data and any split the loader makes. */
  seed: number;
  /**
   * Ordered base URLs tried for MNIST downloads (each file name is appended); empty or absent
   * means the built-in defaults. Only MNIST: other data sets live at other paths.
   */
  mirrors?: readonly string[];
  /** Base URLs for the Fashion-MNIST gz files; absent means the built-in defaults. */
  fashionMnistMirrors?: readonly string[];
  /** Base URLs for `cifar-10-binary.tar.gz`; absent means the built-in default. */
  cifar10Mirrors?: readonly string[];
  onProgress?: (p: DataProgress) => void;
  /** Injectable for tests; defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Where Debian's dataset-fashion-mnist puts its files. Default /usr/share/datasets/fashion-mnist. */
  localFashionMnistDir?: string;
  signal?: AbortSignal;
  /** A download attempt is abandoned when no byte arrives for this long. Default 20,000 ms. */
  timeoutMs?: number;
}
