/**
 * Property test (fast-check, issue 11): random mutations of valid links. Reading a link never throws;
 * what it yields always fits the run-settings schema the worker checks; each notice is short however
 * long the link; a mutation that keeps every value (keys reordered, unknown keys added) reads exactly
 * as the original; and what a link reads as is stable (re-encoded, it reads back the same, silently).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSettingsSchema } from '../worker/settings-schema';
import { decodeUrlState, encodeUrlState, type UrlState } from './url-state';

const VALID: UrlState[] = [
  decodeUrlState('?v=1&task=bit-xor&bits=5&bb=tiny&g=input,output,positions,layernorm&lr=0.001&seed=0&batch=16&speed=1&layer=0&backend=auto').state,
  decodeUrlState(
    '?v=1&task=listops&bb=gpt2-random&g=output&lr=0.0003&seed=4294967295&batch=64&speed=25&layer=3&backend=cpu&hide=backend&lock=task,lr&lesson=bit-xor-attention',
  ).state,
  decodeUrlState('?v=1&task=mnist&bb=tiny-random&g=output,layernorm,attention&lr=0.01&seed=12&batch=2&debug=1').state,
];

const KEYS = ['v', 'task', 'bits', 'bb', 'g', 'lr', 'seed', 'batch', 'speed', 'layer', 'backend', 'hide', 'lock', 'lesson', 'preset', 'debug'];
const wild = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    '',
    ' ',
    'NaN',
    'Infinity',
    '-1',
    '1e308',
    '4294967296',
    '1e300',
    '0.5',
    '0x10',
    '%',
    '%zz',
    '&',
    '=',
    ',',
    ',,,',
    'constructor',
    '__proto__',
    'toString',
  ),
  fc.double().map(String),
  fc.bigInt().map(String),
  fc.integer({ min: 1, max: 3000 }).map((n) => 'x'.repeat(n)),
);

type Edit =
  { kind: 'set'; key: string; value: string } | { kind: 'drop'; key: string } | { kind: 'dup'; key: string; value: string } | { kind: 'raw'; text: string };
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom(...KEYS), value: wild }),
  fc.record({ kind: fc.constant('drop' as const), key: fc.constantFrom(...KEYS) }),
  fc.record({ kind: fc.constant('dup' as const), key: fc.constantFrom(...KEYS), value: wild }),
  fc.record({ kind: fc.constant('raw' as const), text: fc.string({ maxLength: 20 }) }),
);

function applyEdits(query: string, edits: Edit[]): string {
  let q = query;
  for (const e of edits) {
    const params = new URLSearchParams(q);
    if (e.kind === 'set') params.set(e.key, e.value);
    else if (e.kind === 'drop') params.delete(e.key);
    else if (e.kind === 'dup') params.append(e.key, e.value);
    q = e.kind === 'raw' ? `${q}${e.text}` : params.toString();
  }
  return `?${q}`;
}

function checkInvariants(query: string): void {
  let decoded: ReturnType<typeof decodeUrlState>;
  try {
    decoded = decodeUrlState(query);
  } catch (error) {
    throw new Error(`decodeUrlState threw ${String(error)} for ${query.slice(0, 200)}`);
  }
  const { state, notices } = decoded;
  expect(runSettingsSchema.safeParse(state.settings).success).toBe(true);
  expect(Number.isInteger(state.layer) && state.layer >= 0).toBe(true);
  for (const n of notices) expect(n.length).toBeLessThan(400);
  // Stable: what it read, written back, reads the same and says nothing.
  expect(decodeUrlState(`?${encodeUrlState(state)}`)).toEqual({ state, notices: [] });
}

describe('link fuzz (fast-check)', () => {
  it('1,000 mutated links: never a throw, always valid settings, short notices, stable', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.array(edit, { minLength: 1, maxLength: 4 }), (base, edits) => {
        checkInvariants(applyEdits(encodeUrlState(base), edits));
      }),
      { numRuns: 1000, seed: 11 },
    );
  });

  it('1,000 links with every value kept (keys shuffled, unknown keys added) read exactly as the original', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...VALID),
        fc.array(
          fc.tuple(
            fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !KEYS.includes(k)),
            wild,
          ),
          { maxLength: 4 },
        ),
        fc.infiniteStream(fc.nat()),
        (base, extra, order) => {
          const pairs = [...new URLSearchParams(encodeUrlState(base))];
          const shuffled = pairs
            .map((p) => [order.next().value as number, p] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, p]) => p);
          const query = new URLSearchParams([...shuffled, ...extra]);
          expect(decodeUrlState(`?${query}`)).toEqual({ state: base, notices: [] });
        },
      ),
      { numRuns: 1000, seed: 11 },
    );
  });
});
