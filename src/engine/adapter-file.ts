/**
 * Adapter files: the trainable groups' tensors of a model as a safetensors file (F32), named as in
 * GPT-2 (`h.0.ln_1.weight`, `wpe.weight`, …) plus the adapters `input.weight`, `input.bias`,
 * `output.weight`, `output.bias` (the engine's `in.*`/`out.*`, renamed at the file boundary so a
 * PyTorch user needs no key), with `__metadata__` saying what they belong to. Import validates everything (format,
 * base model, architecture, task, names, shapes) before assigning anything, so a refused file leaves
 * the model untouched.
 */
import { FptError } from './errors';
import { sha256Hex } from '../weights/sha256';
import { CheckpointError, openSafetensors, writeSafetensors, type SafetensorsFile, type TensorToWrite } from '../weights/safetensors';
import type { Gpt2Config } from '../weights/gpt2-config';
import { fileTensorName, groupOf, paramNameOfFileTensor, type GroupName } from './groups';
import type { SequenceModel } from './adapted-model';
import { tf } from './tf';
import { z } from 'zod';
import { cut, describeIssues } from './records';

export const ADAPTER_FORMAT = 'fpt-adapters';
export const ADAPTER_FORMAT_VERSION = '2';
/** Version 1 files name the adapters as the engine does (`in.weight`, …); they are still read. */
const READABLE_VERSIONS = ['1', ADAPTER_FORMAT_VERSION];

/** File tensor names: the group registry spells the adapters (groups.ts); version 1's engine names still read. */
export { fileTensorName, paramNameOfFileTensor };

const positiveInt = z.number().int().positive();
export const architectureSchema = z.object({ layers: positiveInt, width: positiveInt, heads: positiveInt });
export type Architecture = z.infer<typeof architectureSchema>;

/** JSON text inside a metadata string (safetensors metadata values are strings). */
const jsonText = <S extends z.ZodType>(schema: S) =>
  z.string().transform((text, ctx): z.output<S> => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
    const checked = schema.safeParse(value);
    if (!checked.success) {
      ctx.addIssue({ code: 'custom', message: describeIssues(checked.error).join('; ') });
      return z.NEVER;
    }
    return checked.data;
  });

/**
 * An adapter file's `__metadata__` (every value a string, as safetensors requires), written by
 * exportAdapters and checked by importAdapters. `format` and `version` are checked first, with their
 * own messages; version 1 files may lack the last four fields.
 */
export const adapterMetadataSchema = z.object({
  format: z.literal(ADAPTER_FORMAT),
  version: z.enum(['1', ADAPTER_FORMAT_VERSION]),
  base_model: z.string(),
  base_model_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits'),
  architecture: jsonText(architectureSchema),
  task: z.string().min(1),
  init: z.string().optional(),
  app_version: z.string().optional(),
  groups: z.string().optional(),
  settings: jsonText(z.unknown()).optional(),
});

/** Largest magnitude an imported value may have: training never gets near it, and a larger one overflows float32 in the first matrix product. */
export const MAX_ADAPTER_VALUE = 1e6;

/** What an adapter file records about the run it came from; import compares the first four. */
export interface AdapterFileContext {
  baseModel: { name: string; sha256: string };
  architecture: Architecture;
  task: string;
  init: string;
  appVersion: string;
  groups: readonly GroupName[];
  /** The page's full run settings (any JSON value). */
  settings: unknown;
}

export type AdapterFileExpectation = Pick<AdapterFileContext, 'baseModel' | 'architecture' | 'task'>;

/**
 * Identifies a backbone. Pretrained weights from a manifest are identified by the sha256 of the
 * checkpoint file they were converted from. Otherwise (random or statistics inits, or weights whose
 * source hash is unknown) the hash is computed over what determines the weights: the config and the
 * init, plus the seed for the inits that draw from it.
 */
export async function backboneSha256(backbone: { config: Gpt2Config; init: string; seed: number; sourceSha256?: string }): Promise<string> {
  if (backbone.init === 'pretrained' && backbone.sourceSha256 !== undefined) return backbone.sourceSha256;
  const { config, init, seed } = backbone;
  const identity = { config, init, ...(init === 'pretrained' ? {} : { seed }) };
  return sha256Hex(new TextEncoder().encode(JSON.stringify(identity)));
}

export async function exportAdapters(model: SequenceModel, context: AdapterFileContext): Promise<Uint8Array> {
  const tensors: TensorToWrite[] = [];
  for (const name of model.trainableNames()) {
    const variable = model.params.get(name)!;
    tensors.push({ name: fileTensorName(name), dtype: 'F32', shape: variable.shape, data: (await variable.data()) as Float32Array });
  }
  const metadata: Record<string, string> = {
    format: ADAPTER_FORMAT,
    version: ADAPTER_FORMAT_VERSION,
    app_version: context.appVersion,
    base_model: context.baseModel.name,
    base_model_sha256: context.baseModel.sha256,
    init: context.init,
    task: context.task,
    architecture: JSON.stringify(context.architecture),
    groups: context.groups.join(','),
    settings: JSON.stringify(context.settings),
  };
  // The writer checks what the reader will.
  const checked = adapterMetadataSchema.safeParse(metadata);
  if (!checked.success) throw new AdapterImportError(`Cannot export: the adapter metadata is not valid (${describeIssues(checked.error).join('; ')}).`);
  return writeSafetensors(tensors, metadata);
}

/** Why an adapter file was refused; the message says what did not fit. */
export class AdapterImportError extends FptError {
  override name = 'AdapterImportError';
}

/**
 * Checks `bytes` against the model and the run, then assigns every tensor in the file (bit-exact).
 * Throws AdapterImportError, having changed nothing, when any check fails. Returns the names assigned.
 */
export function importAdapters(model: SequenceModel, bytes: Uint8Array | ArrayBuffer, expected: AdapterFileExpectation, source = 'adapter file'): string[] {
  const file = openFile(bytes, source);
  checkMetadata(file.header.metadata, expected);
  const values = readTensors(model, file);
  for (const [name, { data, shape }] of values) tf.tidy(() => model.assignParameter(name, tf.tensor(data, shape)));
  return [...values.keys()];
}

function openFile(bytes: Uint8Array | ArrayBuffer, source: string): SafetensorsFile {
  try {
    return openSafetensors(bytes, source);
  } catch (error) {
    if (error instanceof CheckpointError) throw new AdapterImportError(`Not a readable safetensors file: ${error.message}`);
    throw error;
  }
}

function checkMetadata(metadata: Record<string, string>, expected: AdapterFileExpectation): void {
  if (metadata.format !== ADAPTER_FORMAT) {
    throw new AdapterImportError(`Not an FPT adapter file: its metadata "format" is ${JSON.stringify(metadata.format ?? null)}, expected "${ADAPTER_FORMAT}".`);
  }
  if (!READABLE_VERSIONS.includes(metadata.version)) {
    throw new AdapterImportError(
      `Adapter file version ${cut(String(metadata.version))} is not supported (this page reads versions ${READABLE_VERSIONS.join(' and ')}).`,
    );
  }
  const checked = adapterMetadataSchema.safeParse(metadata);
  if (!checked.success) throw new AdapterImportError(`The file's metadata is not valid: ${describeIssues(checked.error).join('; ')}.`);
  if (metadata.base_model_sha256 !== expected.baseModel.sha256) {
    throw new AdapterImportError(
      `Different base model: the file was trained on ${metadata.base_model} (sha256 ${short(metadata.base_model_sha256)}), ` +
        `this run uses ${expected.baseModel.name} (sha256 ${short(expected.baseModel.sha256)}).`,
    );
  }
  const architecture = JSON.stringify(expected.architecture);
  if (!sameArchitecture(metadata.architecture, expected.architecture)) {
    throw new AdapterImportError(`Different architecture: the file's is ${metadata.architecture}, this model's is ${architecture}.`);
  }
  if (metadata.task !== expected.task) {
    throw new AdapterImportError(`Different task: the file's adapters were trained on ${metadata.task}, this run is ${expected.task}.`);
  }
}

function sameArchitecture(recorded: string | undefined, expected: Architecture): boolean {
  try {
    const parsed = JSON.parse(recorded ?? '') as Partial<Architecture>;
    return parsed.layers === expected.layers && parsed.width === expected.width && parsed.heads === expected.heads;
  } catch {
    return false;
  }
}

const short = (sha: string | undefined) => (sha ? `${sha.slice(0, 12)}…` : 'unknown');

/** Every tensor decoded and checked against the model; plus every tensor of the file's groups present. Keyed by parameter name. */
function readTensors(model: SequenceModel, file: SafetensorsFile): Map<string, { data: Float32Array; shape: number[] }> {
  const fileNames = file.names();
  if (fileNames.length === 0) throw new AdapterImportError('The file holds no tensors.');
  const shapes = model.parameterShapes();
  const unknown = fileNames.filter((name) => !shapes.has(paramNameOfFileTensor(name)));
  if (unknown.length > 0)
    throw new AdapterImportError(
      `The file has tensors this model does not: ${unknown
        .slice(0, 5)
        .map((n) => cut(n))
        .join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}.`,
    );
  // Version 1's name and version 2's for one parameter: which one is meant cannot be told.
  for (const name of fileNames) {
    const twin = fileNames.find((other) => other !== name && paramNameOfFileTensor(other) === paramNameOfFileTensor(name));
    if (twin !== undefined)
      throw new AdapterImportError(
        `The file holds ${fileTensorName(paramNameOfFileTensor(name))} twice, as ${name} and as ${twin} (its old and new names): keep one.`,
      );
  }
  const params = fileNames.map(paramNameOfFileTensor);
  const groups = new Set(params.map(groupOf));
  const missing = [...shapes.keys()].filter((name) => groups.has(groupOf(name)) && !params.includes(name));
  if (missing.length > 0) throw new AdapterImportError(`The file lacks tensors of the groups it holds: ${missing.map(fileTensorName).join(', ')}.`);
  const values = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const name of fileNames) {
    const info = file.info(name);
    const param = paramNameOfFileTensor(name);
    const expectedShape = shapes.get(param)!;
    if (info.shape.join() !== expectedShape.join()) {
      throw new AdapterImportError(`Wrong shape for ${name}: the file has [${info.shape.join(', ')}], this model needs [${expectedShape.join(', ')}].`);
    }
    let data: Float32Array;
    try {
      data = file.read(name);
    } catch (error) {
      if (error instanceof CheckpointError) throw new AdapterImportError(`Cannot read ${name}: ${error.message}`);
      throw error;
    }
    checkValues(name, data);
    values.set(param, { data, shape: info.shape });
  }
  return values;
}

/** Refuses NaN, ±Infinity and values no training produces (|v| > MAX_ADAPTER_VALUE): the run would train on NaN loss. */
function checkValues(name: string, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isNaN(v) || Math.abs(v) > MAX_ADAPTER_VALUE) {
      const what = Number.isNaN(v) ? 'NaN' : Math.abs(v) === Infinity ? `${v > 0 ? '' : '-'}Infinity` : v.toPrecision(3);
      const limit = Number.isFinite(v) ? `, beyond ±${MAX_ADAPTER_VALUE.toExponential()}` : '';
      throw new AdapterImportError(`${name} holds ${what} at index ${i}${limit}: its values cannot be trained on.`);
    }
  }
}

/** FNV-1a over the bits of the trainable tensors (sorted by name): a short fingerprint of what trained. */
export async function trainableChecksum(model: SequenceModel): Promise<string> {
  let hash = 0x811c9dc5;
  for (const name of model.trainableNames().sort()) {
    const data = (await model.params.get(name)!.data()) as Float32Array;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
    for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
