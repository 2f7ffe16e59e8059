import { describe, expect, it } from 'vitest';
import { BLOCK_SITES, blockTrainable, dropoutSiteNumber } from './block';
import { FUSED_BODY } from './fused/gpt2-block';
import { FPT_DEFAULT_GROUPS } from './groups';
import { pcgHash } from './kernels/dropout-mask';
import { compositeBody } from './ops/gpt2-block';

describe('dropout sites', () => {
  it('are numbered in the order a forward pass meets them: input adapter, embedding, then three per block', () => {
    const order = [dropoutSiteNumber('input-adapter'), dropoutSiteNumber('embedding')];
    for (let layer = 0; layer < 3; layer++) for (const site of BLOCK_SITES) order.push(dropoutSiteNumber(site, layer));
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(BLOCK_SITES).toEqual(['attention-probs', 'attention-out', 'mlp-out']);
  });

  it('seed the fused masks by hashing the site with the hashed step seed, the composite ones by call order from 1', () => {
    expect(FUSED_BODY.siteSeed(5, dropoutSiteNumber('mlp-out', 2), 0)).toBe(pcgHash((pcgHash(5) + 10) >>> 0));
    const composite = compositeBody(4);
    // With the Linear input adapter's dropout (first site 0) the embedding's is the second mask; without it, the first.
    expect(composite.siteSeed(5, dropoutSiteNumber('embedding'), 0)).toBe(5 * 131 + 2);
    expect(composite.siteSeed(5, dropoutSiteNumber('embedding'), 1)).toBe(5 * 131 + 1);
    expect(composite.siteSeed(5, dropoutSiteNumber('attention-probs', 1), 1)).toBe(5 * 131 + 5);
    composite.dispose();
  });
});

describe('blockTrainable', () => {
  it('reads the block groups from the trainable group names', () => {
    expect(blockTrainable(FPT_DEFAULT_GROUPS)).toEqual({ layernorm: true, attention: false, feedforward: false });
    expect(blockTrainable(['attention', 'input'])).toEqual({ layernorm: false, attention: true, feedforward: false });
  });
});
