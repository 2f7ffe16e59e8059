/**
 * Property test (fast-check, issue 11): random mutations of a valid adapter file. Each either imports
 * exactly the data the mutated file holds (read here independently of the parser: its JSON header,
 * offsets and little-endian F32 bytes) or is refused with AdapterImportError and a message, leaving
 * the model as it was. Never a raw TypeError, RangeError or anything else.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdapterImportError, exportAdapters, importAdapters, paramNameOfFileTensor, type AdapterFileContext } from './adapter-file';
import { createTask } from './tasks';
import { loadTinyCheckpoint, useBackend } from './test-support';
import { Trainer } from './train/trainer';

let trainer: Trainer;
let good: Uint8Array;
let context: AdapterFileContext;

beforeAll(async () => {
  await useBackend('cpu');
  const { config, tensors } = await loadTinyCheckpoint();
  // The smallest file that still has every kind of tensor name: output head, layer norms, positions.
  trainer = new Trainer(await createTask('bit-xor'), config, 'pretrained', { batchSize: 2, evalBatches: 1, groups: ['output', 'layernorm'], seed: 0 }, tensors);
  await trainer.step();
  context = {
    baseModel: { name: 'tiny-gpt2', sha256: 'a'.repeat(64) },
    architecture: { layers: 2, width: 64, heads: 4 },
    task: 'bit-xor',
    init: 'pretrained',
    appVersion: '0.1.0',
    groups: ['output', 'layernorm'],
    settings: {},
  };
  good = await exportAdapters(trainer.model, context);
});

/** What the file says, read without the project's parser; null where it is not a readable file. */
function independentRead(bytes: Uint8Array): Map<string, Float32Array> | null {
  if (bytes.byteLength < 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.byteLength) return null;
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch {
    return null;
  }
  const out = new Map<string, Float32Array>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = info.data_offsets;
    const raw = bytes.slice(8 + n + begin, 8 + n + end);
    out.set(name, new Float32Array(raw.buffer, 0, raw.byteLength / 4));
  }
  return out;
}

type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; length: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'headerText'; at: number; text: string }
  | { kind: 'float'; at: number; value: number };

function mutate(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b = bytes.slice();
  const headerEnd = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  for (const m of mutations) {
    const at = (x: number) => x % Math.max(1, b.byteLength);
    switch (m.kind) {
      case 'flip':
        b[at(m.at)] ^= m.xor;
        break;
      case 'set':
        b[at(m.at)] = m.value;
        break;
      case 'truncate':
        b = b.slice(0, m.length % (b.byteLength + 1));
        break;
      case 'insert': {
        const i = at(m.at);
        b = Uint8Array.from([...b.subarray(0, i), ...m.bytes, ...b.subarray(i)]);
        break;
      }
      case 'delete': {
        const i = at(m.at);
        b = Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + m.count)]);
        break;
      }
      case 'headerText': {
        // Overwrite header JSON text in place (length kept): names, numbers, metadata values.
        const i = 8 + (m.at % Math.max(1, headerEnd - 8));
        const text = new TextEncoder().encode(m.text);
        for (let k = 0; k < text.length && i + k < Math.min(headerEnd, b.byteLength); k++) b[i + k] = text[k];
        break;
      }
      case 'float': {
        // One aligned F32 value in the data replaced (NaN, Infinity, huge, or ordinary).
        const count = Math.floor((b.byteLength - headerEnd) / 4);
        if (count > 0 && headerEnd <= b.byteLength) new DataView(b.buffer).setFloat32(headerEnd + 4 * (m.at % count), m.value, true);
        break;
      }
    }
  }
  return b;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), length: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({
    kind: fc.constant('headerText' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom('"', '{', '}', ',', ':', '[', ']', '9', '-1', '1e9', 'null', 'in.', 'F16', 'NaN', '\\u0000', '99999999999999999999'),
      fc.string({ maxLength: 6 }),
    ),
  }),
  fc.record({ kind: fc.constant('float' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(NaN, Infinity, -Infinity, 3e38, -1e7, 0, 1), fc.float()) }),
);

describe('adapter file fuzz (fast-check)', () => {
  it('1,000 mutated files: the exact data the file holds, or AdapterImportError with a message', async () => {
    const before = new Map<string, Float32Array>();
    for (const [name, v] of trainer.model.params) before.set(name, (await v.data()) as Float32Array);
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        const bytes = mutate(good, mutations);
        let names: string[];
        try {
          names = importAdapters(trainer.model, bytes, context, 'fuzzed.safetensors');
        } catch (error) {
          expect(error).toBeInstanceOf(AdapterImportError);
          expect((error as Error).message.length).toBeGreaterThan(10);
          expect((error as Error).message.length).toBeLessThan(1000);
          refused++;
          return;
        }
        accepted++;
        const expected = independentRead(bytes);
        expect(expected).not.toBeNull();
        expect(names.sort()).toEqual([...expected!.keys()].map(paramNameOfFileTensor).sort());
        for (const [fileName, values] of expected!) {
          const got = trainer.model.params.get(paramNameOfFileTensor(fileName))!.dataSync() as Float32Array;
          expect(new Uint32Array(got.buffer, got.byteOffset, got.length)).toEqual(new Uint32Array(values.buffer, values.byteOffset, values.length));
          for (const v of values) expect(Number.isFinite(v) && Math.abs(v) <= 1e6).toBe(true);
        }
        // Put the original values back for the next case.
        importAdapters(trainer.model, good, context);
      }),
      { numRuns: 1000, seed: 11 },
    );
    console.log(`adapter fuzz: ${accepted} accepted, ${refused} refused`);
    expect(accepted + refused).toBe(1000);
    expect(refused).toBeGreaterThan(500);
    for (const [name, v] of trainer.model.params) expect(v.dataSync(), name).toEqual(before.get(name));
  });
});
