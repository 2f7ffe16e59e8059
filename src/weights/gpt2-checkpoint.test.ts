import { describe, expect, it } from 'vitest';
import { CheckpointError } from './checkpoint-error';
import { GPT2_PRESETS, gpt2TensorShapes, loadGpt2Checkpoint, parseGpt2Config, type Gpt2Config } from './gpt2-checkpoint';
import { openSafetensors, writeSafetensors, type TensorToWrite } from './safetensors';
import { independentFloat32, rawSafetensors, readTinyConfigJson, readTinyWeights } from './test-fixtures';

const SOURCE = 'tiny/model.safetensors';
const TINY_CONFIG: Gpt2Config = { nLayer: 2, nEmbd: 64, nHead: 4, nPositions: 128, layerNormEps: 1e-5, activation: 'gelu_new' };

function caughtError(action: () => unknown): CheckpointError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointError);
    return error as CheckpointError;
  }
  throw new Error('expected a CheckpointError, nothing was thrown');
}

/** The tiny checkpoint's tensors, renamed/filtered/replaced, ready for writeSafetensors. */
function tinyTensors(edit: (tensor: TensorToWrite) => TensorToWrite | null = (t) => t): TensorToWrite[] {
  const file = openSafetensors(readTinyWeights(), SOURCE);
  return file
    .names()
    .map((name) => edit({ name, dtype: 'F32', shape: file.info(name).shape, data: file.read(name) }))
    .filter((tensor): tensor is TensorToWrite => tensor !== null);
}

describe('loading the tiny GPT-2 checkpoint', () => {
  const bytes = readTinyWeights();
  const { config, tensors } = loadGpt2Checkpoint(readTinyConfigJson(), bytes, SOURCE);

  it('reads the config', () => {
    expect(config).toEqual(TINY_CONFIG);
  });

  it('keeps exactly the backbone tensors: 2 layers × 12 + wpe + ln_f × 2', () => {
    expect(tensors.size).toBe(27);
    expect([...tensors.keys()]).toEqual(gpt2TensorShapes(config).map((spec) => spec.name));
    expect(tensors.has('h.0.attn.bias')).toBe(false);
    expect(tensors.has('h.1.attn.bias')).toBe(false);
    expect(tensors.has('wte.weight')).toBe(false);
  });

  it('has the expected shapes, with Conv1D weights as [in, out]', () => {
    expect(tensors.get('wpe.weight')?.shape).toEqual([128, 64]);
    expect(tensors.get('h.0.attn.c_attn.weight')?.shape).toEqual([64, 192]);
    expect(tensors.get('h.0.attn.c_attn.bias')?.shape).toEqual([192]);
    expect(tensors.get('h.1.mlp.c_fc.weight')?.shape).toEqual([64, 256]);
    expect(tensors.get('h.1.mlp.c_proj.weight')?.shape).toEqual([256, 64]);
    expect(tensors.get('ln_f.weight')?.shape).toEqual([64]);
    for (const tensor of tensors.values()) {
      expect(tensor.data.length).toBe(tensor.shape.reduce((a, b) => a * b, 1));
    }
  });

  it('holds the values stored in the file', () => {
    const wpe = tensors.get('wpe.weight')!.data;
    expect(wpe[0]).toBe(independentFloat32(bytes, 'wpe.weight', 0));
    expect(wpe[0]).toBe(0.032237786799669266);
    const cAttn = tensors.get('h.0.attn.c_attn.weight')!.data;
    expect(cAttn[cAttn.length - 1]).toBe(independentFloat32(bytes, 'h.0.attn.c_attn.weight', 64 * 192 - 1));
    expect(cAttn[cAttn.length - 1]).toBe(-0.020704040303826332);
  });

  it('loads the same tensors when keys carry a transformer. prefix', () => {
    const prefixed = writeSafetensors(tinyTensors((t) => ({ ...t, name: `transformer.${t.name}` })));
    const loaded = loadGpt2Checkpoint(readTinyConfigJson(), prefixed, 'prefixed.safetensors');
    expect([...loaded.tensors.keys()]).toEqual([...tensors.keys()]);
    for (const [name, tensor] of tensors) expect(loaded.tensors.get(name)).toEqual(tensor);
  });

  it('ignores lm_head and masked_bias, and never decodes wte or the mask buffers', () => {
    // Unreadable dtypes on the skipped tensors prove the loader never reads them.
    const file = openSafetensors(bytes, SOURCE);
    const header: Record<string, unknown> = {};
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const add = (name: string, dtype: string, shape: number[], data: Uint8Array) => {
      header[name] = { dtype, shape, data_offsets: [offset, offset + data.byteLength] };
      chunks.push(data);
      offset += data.byteLength;
    };
    for (const name of file.names()) {
      if (name === 'wte.weight') add(name, 'Q4_K', [256, 64], new Uint8Array(8));
      else if (/^h\.\d+\.attn\.bias$/.test(name)) add(name, 'BOOL', [1, 1, 128, 128], new Uint8Array(128 * 128));
      else add(name, 'F32', file.info(name).shape, new Uint8Array(file.read(name).buffer));
    }
    add('h.0.attn.masked_bias', 'F32', [], new Uint8Array(4));
    add('lm_head.weight', 'F32', [256, 64], new Uint8Array(256 * 64 * 4));
    const data = new Uint8Array(offset);
    chunks.reduce((position, chunk) => (data.set(chunk, position), position + chunk.byteLength), 0);

    const loaded = loadGpt2Checkpoint(readTinyConfigJson(), rawSafetensors(header, data), 'odd.safetensors');
    expect(loaded.tensors.size).toBe(27);
    expect(loaded.tensors.get('ln_f.bias')).toEqual(tensors.get('ln_f.bias'));
  });

  it('loads F16 checkpoints as float32', () => {
    const half = writeSafetensors(tinyTensors((t) => ({ ...t, dtype: 'F16' })));
    const loaded = loadGpt2Checkpoint(readTinyConfigJson(), half, 'half.safetensors');
    const original = tensors.get('h.0.mlp.c_fc.weight')!.data;
    const converted = loaded.tensors.get('h.0.mlp.c_fc.weight')!.data;
    expect(converted).toBeInstanceOf(Float32Array);
    for (let i = 0; i < 16; i++) expect(converted[i]).toBeCloseTo(original[i], 4);
  });
});

describe('checkpoint errors name the file and the tensor', () => {
  it('a missing tensor', () => {
    const bytes = writeSafetensors(tinyTensors((t) => (t.name === 'h.1.ln_2.bias' ? null : t)));
    const error = caughtError(() => loadGpt2Checkpoint(readTinyConfigJson(), bytes, 'partial.safetensors'));
    expect(error.message).toContain('partial.safetensors');
    expect(error.message).toContain('"h.1.ln_2.bias"');
    expect(error.message).toContain('missing');
    expect(error.message).toContain('[64]');
  });

  it('a tensor of the wrong shape', () => {
    const bytes = writeSafetensors(tinyTensors((t) => (t.name === 'h.0.mlp.c_fc.weight' ? { ...t, shape: [256, 64] } : t)));
    const error = caughtError(() => loadGpt2Checkpoint(readTinyConfigJson(), bytes, 'transposed.safetensors'));
    expect(error.message).toContain('transposed.safetensors');
    expect(error.message).toContain('"h.0.mlp.c_fc.weight"');
    expect(error.message).toContain('expected [64, 256], got [256, 64]');
  });

  it('weights with more layers than the config', () => {
    const config = { ...(readTinyConfigJson() as object), n_layer: 1 };
    const error = caughtError(() => loadGpt2Checkpoint(config, readTinyWeights(), SOURCE));
    expect(error.message).toContain(SOURCE);
    expect(error.message).toMatch(/"h\.1\.[a-z_.0-9]+"/);
    expect(error.message).toContain('n_layer 1');
  });

  it('a tensor stored both with and without the prefix', () => {
    const doubled = tinyTensors();
    doubled.push({ ...doubled.find((t) => t.name === 'ln_f.bias')!, name: 'transformer.ln_f.bias' });
    const error = caughtError(() => loadGpt2Checkpoint(readTinyConfigJson(), writeSafetensors(doubled), 'doubled.safetensors'));
    expect(error.message).toContain('"transformer.ln_f.bias"');
    expect(error.message).toContain('twice');
  });

  it('a truncated weights file', () => {
    const cut = readTinyWeights().slice(0, 300000);
    const error = caughtError(() => loadGpt2Checkpoint(readTinyConfigJson(), cut, 'cut.safetensors'));
    expect(error.message).toContain('cut.safetensors');
    expect(error.message).toContain('h.1.attn.bias'); // the first tensor whose bytes were cut off
    expect(error.message).toContain('run past the end');
  });
});

describe('parseGpt2Config', () => {
  const hf = readTinyConfigJson() as Record<string, unknown>;

  it('falls back to n_ctx and default eps / activation', () => {
    const { n_positions: _, layer_norm_epsilon: __, activation_function: ___, ...rest } = hf;
    expect(parseGpt2Config({ ...rest, n_ctx: 256 })).toEqual({ ...TINY_CONFIG, nPositions: 256 });
  });

  it('accepts gelu_pytorch_tanh as the same tanh GELU', () => {
    expect(parseGpt2Config({ ...hf, activation_function: 'gelu_pytorch_tanh' }).activation).toBe('gelu_new');
  });

  it.each([
    [{ model_type: 'llama' }, 'model_type is "llama", not "gpt2"'],
    [{ n_head: 5 }, 'n_embd 64 is not divisible by n_head 5'],
    [{ n_layer: undefined }, 'n_layer is undefined'],
    [{ n_embd: 64.5 }, 'n_embd is 64.5'],
    [{ activation_function: 'relu' }, 'activation_function "relu" is not supported'],
    [{ layer_norm_epsilon: -1 }, 'layer_norm_epsilon -1'],
  ])('rejects %j', (change, message) => {
    const error = caughtError(() => parseGpt2Config({ ...hf, ...change }, 'my/config.json'));
    expect(error.message).toContain('my/config.json');
    expect(error.message).toContain(message);
  });

  it('rejects JSON that is not an object', () => {
    expect(caughtError(() => parseGpt2Config([1, 2])).message).toContain('not a JSON object');
  });
});

describe('presets and tensor shapes', () => {
  it('has the paper sizes', () => {
    expect(GPT2_PRESETS.gpt2).toEqual({ nLayer: 12, nEmbd: 768, nHead: 12, nPositions: 1024, layerNormEps: 1e-5, activation: 'gelu_new' });
    expect(GPT2_PRESETS['gpt2-medium']).toMatchObject({ nLayer: 24, nEmbd: 1024, nHead: 16, nPositions: 1024 });
    expect(GPT2_PRESETS['gpt2-large']).toMatchObject({ nLayer: 36, nEmbd: 1280, nHead: 20, nPositions: 1024 });
  });

  it('lists the backbone of GPT-2 small: 148 tensors, 124M minus the 38.6M token table', () => {
    const specs = gpt2TensorShapes(GPT2_PRESETS.gpt2);
    expect(specs).toHaveLength(12 * 12 + 3);
    const parameters = specs.reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0);
    expect(parameters).toBe(124_439_808 - 50257 * 768);
    expect(specs.find((spec) => spec.name === 'h.11.mlp.c_proj.weight')?.shape).toEqual([3072, 768]);
  });
});
