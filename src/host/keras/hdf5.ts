/**
 * HDF5 through h5wasm (the HDF5 C library compiled to WebAssembly; its Node build reads and writes
 * the host's files directly): Keras 3's `model.weights.h5` written from a plan, and the weights of
 * Keras files read back (`layers/<name>/vars/<i>` in a `.keras`, `model_weights/<name>/<weight>`
 * with its `model_config` attribute in a legacy `.h5`). Loaded on first use: the wasm module is
 * 4 MB that nothing but export and import needs.
 */
import { CnnLabError } from '../../shared/errors';
import type { H5Dataset as PlannedDataset, H5Group } from '../../shared/kerasFiles';

type H5 = (typeof import('h5wasm/node'))['default'];
type H5File = InstanceType<H5['File']>;
type H5Dataset = InstanceType<H5['Dataset']>;

let loading: Promise<H5> | undefined;

/** The h5wasm module, ready. */
export function hdf5(): Promise<H5> {
  loading ??= import('h5wasm/node').then(async (m) => {
    await m.default.ready;
    return m.default;
  });
  return loading;
}

/**
 * A dataset of the file to write: a planned one (src/shared/kerasFiles) with its values;
 * `compressed` is gzip in one chunk (HDF5's deflate filter, which h5py reads natively).
 */
export interface DatasetToWrite extends Omit<PlannedDataset, 'source'> {
  readonly data: Float32Array | BigInt64Array;
}

/** Writes an HDF5 file of these groups (parents first) and datasets. */
export async function writeH5(file: string, groups: readonly H5Group[], datasets: readonly DatasetToWrite[]): Promise<void> {
  const h5 = await hdf5();
  const f = new h5.File(file, 'w');
  try {
    for (const g of groups) {
      const group = f.create_group(g.path);
      for (const [k, v] of Object.entries(g.attrs)) group.create_attribute(k, v);
    }
    for (const d of datasets) {
      const gzip = d.compressed === true && d.shape.length > 0 ? { chunks: [...d.shape], compression: 'gzip' as const, compression_opts: 6 } : {};
      f.create_dataset({ name: d.path, data: d.data, shape: [...d.shape], dtype: d.dtype === 'int64' ? '<q' : '<f', ...gzip });
    }
  } finally {
    f.close();
  }
}

/** A weight read from a file. */
export interface ReadArray {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

function arrayOf(ds: H5Dataset, where: string): ReadArray {
  const shape = ds.shape ?? [];
  const v = ds.value;
  let values: Float32Array;
  if (typeof v === 'number') values = Float32Array.of(v);
  else if (v instanceof Float32Array) values = v;
  else if (v instanceof Float64Array) values = Float32Array.from(v);
  else {
    throw new CnnLabError('E_MODEL_INVALID', `${where} holds ${JSON.stringify(ds.dtype)} values; CNN Lab reads float32 (or float64) weights.`, 'Save the model in float32 in Keras.');
  }
  return { shape, values };
}

/** Opens an HDF5 file for reading; `use` runs with it open. */
export async function readH5<T>(file: string, use: (f: H5Reader) => T): Promise<T> {
  const h5 = await hdf5();
  let f: H5File;
  try {
    f = new h5.File(file, 'r');
  } catch (err) {
    throw new CnnLabError('E_IO', `${file} is not an HDF5 file that can be read: ${(err as Error).message}`, 'Save the model again with Keras.');
  }
  try {
    return use(new H5Reader(h5, f));
  } finally {
    f.close();
  }
}

/** What the importers read from an open HDF5 file. */
export class H5Reader {
  constructor(private readonly h5: H5, private readonly f: H5File) {}

  /** An attribute's value at the root (or of the group at `path`), or null. */
  attr(name: string, path = '/'): unknown {
    const node = path === '/' ? this.f : this.f.get(path);
    if (!(node instanceof this.h5.Group)) return null;
    const a = node.attrs[name];
    return a === undefined ? null : a.value;
  }

  has(path: string): boolean {
    return this.f.get(path) !== null;
  }

  /** The float weights at `path`, or null when there is no dataset there. */
  array(path: string): ReadArray | null {
    const ds = this.f.get(path);
    return ds instanceof this.h5.Dataset ? arrayOf(ds, path) : null;
  }
}
