import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import {
  createListOpsTask,
  evaluateListOps,
  fitToLength,
  generateListOpsTree,
  listOpsToString,
  parseListOps,
  sampleListOpsExpression,
  tokenizeListOps,
  type ListOpsExpr,
} from './listops';

const value = (s: string) => evaluateListOps(parseListOps(s));

function depth(e: ListOpsExpr): number {
  return typeof e === 'number' ? 0 : 1 + Math.max(...e.args.map(depth));
}

describe('listops expressions', () => {
  it('evaluates hand-written expressions', () => {
    expect(value('[MAX 2 9 [MIN 4 7 ] 0 ]')).toBe(9);
    expect(value('[MIN 4 7 3 ]')).toBe(3);
    expect(value('[MED 3 1 2 ]')).toBe(2);
    expect(value('[MED 7 0 9 8 1 ]')).toBe(7);
    expect(value('[MED 1 2 3 4 ]')).toBe(2); // (2 + 3) / 2 = 2.5, floored
    expect(value('[MED 4 9 ]')).toBe(6); // 6.5 floored
    expect(value('[MED 2 8 6 4 ]')).toBe(5); // (4 + 6) / 2
    expect(value('[SM 5 7 9 ]')).toBe(1); // 21 mod 10
    expect(value('[SM 3 4 ]')).toBe(7);
    expect(value('[MIN [SM 9 9 ] [MAX 1 0 ] 5 ]')).toBe(1); // min(8, 1, 5)
    expect(value('[SM [MAX 3 8 ] [MED 1 2 3 4 ] 9 ]')).toBe(9); // (8 + 2 + 9) mod 10
  });

  it('prints LRA format and parses LRA rows with their grouping parentheses', () => {
    const e = parseListOps('[MAX 2 9 [MIN 4 7 ] 0 ]');
    expect(e).toEqual({ op: 'MAX', args: [2, 9, { op: 'MIN', args: [4, 7] }, 0] });
    expect(listOpsToString(e)).toBe('[MAX 2 9 [MIN 4 7 ] 0 ]');
    expect(parseListOps('( ( ( [MAX 2 ) 9 ) ] )')).toEqual({ op: 'MAX', args: [2, 9] });
    expect(() => parseListOps('[MAX 2 9')).toThrow();
  });

  it('tokenises with brackets dropped (15 ids) or kept (] = 15)', () => {
    const e = parseListOps('[MAX 2 9 [MIN 4 7 ] 0 ]');
    expect(tokenizeListOps(e)).toEqual([12, 3, 10, 11, 5, 8, 1]);
    expect(tokenizeListOps(e, true)).toEqual([12, 3, 10, 11, 5, 8, 15, 1, 15]);
    expect(tokenizeListOps(parseListOps('[MED 0 [SM 9 1 ] ]'))).toEqual([13, 1, 14, 10, 2]);
  });

  it('cuts and right-pads to the sequence length', () => {
    expect(Array.from(fitToLength([12, 3, 10], 5))).toEqual([12, 3, 10, 0, 0]);
    const long = Array.from({ length: 600 }, (_, i) => (i % 14) + 1);
    const cut = fitToLength(long, 512);
    expect(cut.length).toBe(512);
    expect(Array.from(cut)).toEqual(long.slice(0, 512));
  });

  it('follows LRA generate_tree: a node at max depth is a leaf; length counts op and ]', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 50; i++) expect(typeof generateListOpsTree(rng, 10, 10, 10).expr).toBe('number');
    for (let i = 0; i < 20; i++) {
      const { expr, length } = sampleListOpsExpression(rng);
      expect(length).toBeGreaterThan(500);
      expect(length).toBeLessThan(2000);
      expect(tokenizeListOps(expr, true).length).toBe(length);
      expect(depth(expr)).toBeLessThanOrEqual(9); // root at depth 1, operators only below depth 10
      const check = (e: ListOpsExpr): void => {
        if (typeof e === 'number') return expect(e >= 0 && e <= 9).toBe(true);
        expect(e.args.length >= 2 && e.args.length <= 10).toBe(true);
        e.args.forEach(check);
      };
      check(expr);
    }
  });
});

describe('listops task', () => {
  it('has the paper layout', () => {
    const task = createListOpsTask();
    expect([task.seqLen, task.input, task.outputTokens, task.classes]).toEqual([512, { kind: 'tokens', vocabSize: 15 }, 1, 10]);
    expect(createListOpsTask({ keepBrackets: true }).input).toEqual({ kind: 'tokens', vocabSize: 16 });
  });

  it('builds each row from a sampled expression and its value', () => {
    const batch = createListOpsTask().batch(4, 'train', new Rng(21));
    expect(batch.x).toBeInstanceOf(Int32Array);
    expect(batch.x.length).toBe(4 * 512);
    const replay = new Rng(21);
    for (let b = 0; b < 4; b++) {
      const { expr } = sampleListOpsExpression(replay);
      expect(Array.from(batch.x.subarray(b * 512, (b + 1) * 512))).toEqual(Array.from(fitToLength(tokenizeListOps(expr), 512)));
      expect(batch.y[b]).toBe(evaluateListOps(expr));
    }
    for (const id of batch.x) expect(id >= 0 && id <= 14).toBe(true);
  });

  it('keeps brackets and longer sequences when asked', () => {
    const batch = createListOpsTask({ keepBrackets: true, seqLen: 1024 }).batch(2, 'train', new Rng(4));
    expect(batch.x.length).toBe(2048);
    expect(Array.from(batch.x).includes(15)).toBe(true);
  });

  it('draws test batches from a different stream, deterministically', () => {
    const task = createListOpsTask();
    const train = task.batch(2, 'train', new Rng(8));
    const test = task.batch(2, 'test', new Rng(8));
    expect(Array.from(test.x)).not.toEqual(Array.from(train.x));
    expect(Array.from(task.batch(2, 'test', new Rng(8)).x)).toEqual(Array.from(test.x));
  });

  it('generates a batch of 4 well under a second', () => {
    const task = createListOpsTask();
    const rng = new Rng(2);
    const start = performance.now();
    for (let i = 0; i < 10; i++) task.batch(4, 'train', rng);
    expect((performance.now() - start) / 10).toBeLessThan(250);
  });
});
