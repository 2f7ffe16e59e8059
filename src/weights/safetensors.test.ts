import { describe, expect, it } from 'vitest';
import { CheckpointError, decodeTensorBytes, openSafetensors, parseSafetensorsHeader, safetensorsHeaderSize, writeSafetensors } from './safetensors';
import { independentFloat32, independentHeader, rawSafetensors, readTinyWeights } from './test-fixtures';

const SOURCE = 'models/test.safetensors';

function expectCheckpointError(action: () => unknown, ...fragments: string[]): CheckpointError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CheckpointError);
  const error = caught as CheckpointError;
  for (const fragment of fragments) expect(error.message).toContain(fragment);
  return error;
}

describe('reading the tiny GPT-2 checkpoint', () => {
  const bytes = readTinyWeights();
  const file = openSafetensors(bytes, 'tiny/model.safetensors');

  it('lists every tensor in the header, mask buffers and wte included', () => {
    expect(file.names()).toHaveLength(30);
    expect(file.info('h.0.attn.bias')).toEqual({
      name: 'h.0.attn.bias',
      dtype: 'F32',
      shape: [1, 1, 128, 128],
      dataOffsets: [0, 65536],
    });
    expect(file.info('wte.weight').shape).toEqual([256, 64]);
    expect(file.header.metadata).toEqual({ format: 'pt' });
    expect(file.header.dataStart).toBe(8 + 2472);
  });

  it('reads the same float32 values as an independent DataView decode', () => {
    for (const name of ['wpe.weight', 'h.1.mlp.c_proj.weight', 'h.0.attn.c_attn.weight']) {
      const data = file.read(name);
      expect(data).toBeInstanceOf(Float32Array);
      for (const index of [0, 1, 2, data.length - 1]) {
        expect(data[index]).toBe(independentFloat32(bytes, name, index));
      }
    }
  });

  it('reads what Python struct.unpack("<f") reads', () => {
    // Values printed by Python from the raw bytes at the header's data_offsets.
    expect(Array.from(file.read('wpe.weight').subarray(0, 3))).toEqual([0.032237786799669266, -0.02970435470342636, 0.004513198044151068]);
    const cProj = file.read('h.1.mlp.c_proj.weight');
    expect(cProj[cProj.length - 1]).toBe(-0.008784359320998192);
  });

  it('reads correctly from a view that starts mid-buffer and unaligned (e.g. a pooled Node Buffer)', () => {
    const pooled = Buffer.alloc(bytes.byteLength + 13, 0xab);
    pooled.set(bytes, 13);
    const fromBuffer = openSafetensors(pooled.subarray(13), 'pooled');
    expect(fromBuffer.read('wpe.weight')).toEqual(file.read('wpe.weight'));
    expect(fromBuffer.read('ln_f.weight')).toEqual(file.read('ln_f.weight'));
  });

  it('parses the header from just the header prefix, without the data', () => {
    const headerSize = safetensorsHeaderSize(bytes.subarray(0, 8), 'tiny');
    expect(headerSize).toBe(8 + 2472);
    const header = parseSafetensorsHeader(bytes.slice(0, headerSize), 'tiny', bytes.byteLength);
    expect(header.tensors.size).toBe(30);
    expect(header.tensors.get('ln_f.weight')?.dataOffsets).toEqual([531200, 531456]);

    // A ranged reader can then decode one tensor from its own byte range.
    const info = header.tensors.get('wpe.weight')!;
    const range = bytes.slice(header.dataStart + info.dataOffsets[0], header.dataStart + info.dataOffsets[1]);
    expect(decodeTensorBytes(info, range, 'tiny')).toEqual(file.read('wpe.weight'));
  });

  it('refuses a prefix that stops inside the header', () => {
    expectCheckpointError(() => parseSafetensorsHeader(bytes.slice(0, 100), 'tiny'), 'tiny:', 'header length 2472 exceeds the 100 bytes given');
  });
});

describe('F16 and BF16 tensors', () => {
  it('reads F16 written by writeSafetensors, with half-precision rounding', () => {
    const bytes = writeSafetensors([{ name: 'half', dtype: 'F16', shape: [2, 3], data: [1, -2.5, 65504, 0.1, 2 ** -24, 0] }]);
    expect(Array.from(openSafetensors(bytes, SOURCE).read('half'))).toEqual([1, -2.5, 65504, 0.0999755859375, 2 ** -24, 0]);
  });

  it('reads BF16 from raw bytes', () => {
    const data = new Uint8Array([0x80, 0x3f, 0x49, 0x40, 0x00, 0xc0]);
    const bytes = rawSafetensors({ b: { dtype: 'BF16', shape: [3], data_offsets: [0, 6] } }, data);
    expect(Array.from(openSafetensors(bytes, SOURCE).read('b'))).toEqual([1, 3.140625, -2]);
  });
});

describe('malformed files give a CheckpointError naming the file and tensor', () => {
  const tiny = readTinyWeights();

  it('a file shorter than 8 bytes', () => {
    expectCheckpointError(() => openSafetensors(new Uint8Array(5), SOURCE), SOURCE, '5 bytes');
  });

  it('a header length past the end of the file', () => {
    const bytes = tiny.slice(0, 1000);
    expectCheckpointError(() => openSafetensors(bytes, SOURCE), SOURCE, 'header length 2472 exceeds file size 1000');
    const hugeLength = new Uint8Array(16);
    new DataView(hugeLength.buffer).setBigUint64(0, 1n << 40n, true);
    expectCheckpointError(() => openSafetensors(hugeLength, SOURCE), SOURCE, `header length ${2 ** 40} exceeds file size 16`);
  });

  it('a truncated data buffer names the first tensor cut off', () => {
    // wte.weight occupies data bytes [564224, 629760); cut the file in the middle of it.
    const cut = tiny.slice(0, 8 + 2472 + 600000);
    const error = expectCheckpointError(() => openSafetensors(cut, SOURCE), SOURCE, 'wte.weight', 'run past the end', 'truncated');
    expect(error.tensor).toBe('wte.weight');
  });

  it('a header that is not JSON', () => {
    expectCheckpointError(() => openSafetensors(rawSafetensors('{"a": {"dtype": "F32",'), SOURCE), SOURCE, 'not valid JSON');
    expectCheckpointError(() => openSafetensors(rawSafetensors('[1, 2]'), SOURCE), SOURCE, 'not an object');
  });

  it('data_offsets that do not match shape × dtype size', () => {
    const bytes = rawSafetensors({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, new Uint8Array(20));
    expectCheckpointError(() => openSafetensors(bytes, SOURCE), SOURCE, 'tensor "w"', 'span 20 bytes', 'needs 24');
  });

  it('malformed entries', () => {
    const noDtype = rawSafetensors({ w: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4));
    expectCheckpointError(() => openSafetensors(noDtype, SOURCE), 'tensor "w"', 'dtype');
    const badShape = rawSafetensors({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4));
    expectCheckpointError(() => openSafetensors(badShape, SOURCE), 'tensor "w"', 'shape');
    const backwards = rawSafetensors({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, new Uint8Array(4));
    expectCheckpointError(() => openSafetensors(backwards, SOURCE), 'tensor "w"', 'data_offsets');
  });

  it('an unknown dtype is listed but fails when read, naming dtype and tensor', () => {
    const bytes = rawSafetensors(
      {
        odd: { dtype: 'Q4_K', shape: [8], data_offsets: [0, 4] },
        fine: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
      },
      new Uint8Array([0, 0, 0, 0, 0, 0, 0x80, 0x3f]),
    );
    const file = openSafetensors(bytes, SOURCE);
    expect(file.info('odd').dtype).toBe('Q4_K');
    expect(Array.from(file.read('fine'))).toEqual([1]);
    expectCheckpointError(() => file.read('odd'), SOURCE, 'tensor "odd"', 'unknown dtype "Q4_K"');
  });

  it('a known but unreadable dtype fails when read', () => {
    const bytes = rawSafetensors({ ids: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8));
    expectCheckpointError(() => openSafetensors(bytes, SOURCE).read('ids'), SOURCE, 'tensor "ids"', 'unsupported dtype "I64"');
  });

  it('reading a tensor the file does not have', () => {
    expectCheckpointError(() => openSafetensors(tiny, SOURCE).read('lm_head.weight'), SOURCE, 'tensor "lm_head.weight"', 'not in the file');
  });
});

describe('writeSafetensors', () => {
  const tensors = [
    { name: 'a', dtype: 'F32' as const, shape: [2, 2], data: new Float32Array([1, 2, 3, 4.5]) },
    { name: 'b', dtype: 'F16' as const, shape: [3], data: [0.5, -1, 2] },
    { name: 'scalar', dtype: 'F32' as const, shape: [], data: [7] },
    { name: 'empty', dtype: 'F32' as const, shape: [0, 4], data: [] },
  ];
  const bytes = writeSafetensors(tensors, { format: 'pt', note: 'test' });

  it('pads the header to a multiple of 8 with spaces and lays tensors out contiguously in order', () => {
    const { dataStart, json } = independentHeader(bytes);
    const headerLength = dataStart - 8;
    expect(headerLength % 8).toBe(0);
    const headerText = new TextDecoder().decode(bytes.subarray(8, dataStart));
    expect(headerText.trimEnd().endsWith('}')).toBe(true);
    expect(headerText.slice(headerText.trimEnd().length)).toMatch(/^ *$/);

    expect(json.a.data_offsets).toEqual([0, 16]);
    expect(json.b.data_offsets).toEqual([16, 22]);
    expect(json.scalar.data_offsets).toEqual([22, 26]);
    expect(json.empty.data_offsets).toEqual([26, 26]);
    expect(bytes.byteLength).toBe(dataStart + 26);
    expect(independentFloat32(bytes, 'a', 3)).toBe(4.5);
  });

  it('round-trips through the reader', () => {
    const file = openSafetensors(bytes, SOURCE);
    expect(file.header.metadata).toEqual({ format: 'pt', note: 'test' });
    expect(file.names()).toEqual(['a', 'b', 'scalar', 'empty']);
    for (const tensor of tensors) {
      expect(file.info(tensor.name).dtype).toBe(tensor.dtype);
      expect(file.info(tensor.name).shape).toEqual(tensor.shape);
      expect(Array.from(file.read(tensor.name))).toEqual(Array.from(tensor.data));
    }
  });

  it('rejects data that does not fill the shape, and duplicate names', () => {
    expectCheckpointError(() => writeSafetensors([{ name: 'w', dtype: 'F32', shape: [2, 2], data: [1, 2, 3] }]), 'tensor "w"', '3 values', 'holds 4');
    const twice = { name: 'w', dtype: 'F32' as const, shape: [1], data: [1] };
    expectCheckpointError(() => writeSafetensors([twice, twice]), 'tensor "w"', 'twice');
  });
});
