/** Types of scripts/offline-mnist.mjs for the TypeScript build scripts that call it. */
export interface OfflineMnistFile {
  readonly name: string;
  readonly path: string;
  /** Bytes of the .gz file. */
  readonly size: number;
  /** Bytes of the IDX content. */
  readonly contentSize: number;
  /** False when a verified .gz was already there. */
  readonly written: boolean;
}
export declare const OFFLINE_MNIST_FILES: readonly { readonly name: string; readonly size: number; readonly sha256: string }[];
export declare function mnistDataDir(): string;
export declare function writeOfflineMnist(destDir: string, opts?: { sourceDir?: string }): Promise<readonly OfflineMnistFile[]>;
