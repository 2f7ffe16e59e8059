/**
 * The official "CIFAR-10 binary version" (cifar-10-batches-bin): each record is 1 label byte then
 * 3072 pixel bytes, 1024 R, 1024 G, 1024 B, each plane row-major 32×32.
 */
export const CIFAR_SIDE = 32;
export const CIFAR_PLANE = CIFAR_SIDE * CIFAR_SIDE;
export const CIFAR_RECORD_BYTES = 1 + 3 * CIFAR_PLANE;
export const CIFAR_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR_TEST_FILE = 'test_batch.bin';
export const CIFAR_CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** File contents: the five data batches (train) and the test batch, in any host (Node or browser). */
export interface Cifar10Files {
  train: readonly Uint8Array[];
  test: Uint8Array;
}

/** Records spread over one or more batch files, read in place (no copy of the 150 MB of pixels). */
export class CifarRecords {
  readonly count: number;
  private readonly starts: number[] = [];

  constructor(private readonly files: readonly Uint8Array[]) {
    let total = 0;
    files.forEach((bytes, i) => {
      if (bytes.length === 0 || bytes.length % CIFAR_RECORD_BYTES !== 0) {
        throw new Error(`cifar10: file ${i} has ${bytes.length} bytes, not a positive multiple of ${CIFAR_RECORD_BYTES}`);
      }
      this.starts.push(total);
      total += bytes.length / CIFAR_RECORD_BYTES;
    });
    if (total === 0) throw new Error('cifar10: no records');
    this.count = total;
  }

  private locate(i: number): { bytes: Uint8Array; offset: number } {
    let f = this.files.length - 1;
    while (this.starts[f] > i) f--;
    return { bytes: this.files[f], offset: (i - this.starts[f]) * CIFAR_RECORD_BYTES };
  }

  label(i: number): number {
    const { bytes, offset } = this.locate(i);
    return bytes[offset];
  }

  /** The 3072 pixel bytes of record i, planar (R plane, G plane, B plane). */
  pixels(i: number): Uint8Array {
    const { bytes, offset } = this.locate(i);
    return bytes.subarray(offset + 1, offset + CIFAR_RECORD_BYTES);
  }
}

export interface CifarSplits {
  train: CifarRecords;
  test: CifarRecords;
}

export function parseCifar10Files(files: Cifar10Files): CifarSplits {
  return { train: new CifarRecords(files.train), test: new CifarRecords([files.test]) };
}

/** Encodes records in the official binary format (used to build test fixtures). */
export function encodeCifarRecords(records: readonly { label: number; pixels: ArrayLike<number> }[]): Uint8Array {
  const out = new Uint8Array(records.length * CIFAR_RECORD_BYTES);
  records.forEach(({ label, pixels }, i) => {
    if (pixels.length !== 3 * CIFAR_PLANE) throw new Error(`cifar10: record ${i} needs ${3 * CIFAR_PLANE} pixel bytes`);
    out[i * CIFAR_RECORD_BYTES] = label;
    out.set(pixels, i * CIFAR_RECORD_BYTES + 1);
  });
  return out;
}
