/**
 * The page's state in the URL: one versioned schema, encoded with short readable keys
 * (`v=1&task=bit-xor&bits=5&bb=tiny&g=input,output&lr=0.001&seed=0&batch=16&speed=5&layer=0&backend=auto`).
 * Decoding never fails: a hand-edited value that is invalid or out of range is clamped or replaced by
 * its default, and each such change is reported as a human-readable notice. Unknown keys are ignored;
 * `debug` (an e2e hook) is kept in `extras` so that re-encoding preserves it.
 *
 * Optional keys, written only when set: `hide` and `lock` (instructor flags: comma lists of control
 * names, see instructor/controls.ts), `lesson` (a guided lesson's id) and `preset` (the paper
 * experiment the settings were loaded from, kept while the settings still match it). Links without
 * them read as before, so the version stays 1.
 */
import { ALL_GROUPS, type GroupName } from '../engine/groups';
import { taskNames } from '../engine/tasks/registry';
import type { RunSettings } from '../worker/protocol';
import { SETTINGS_LIMITS } from '../worker/settings-schema';
import { quoted, quotedList } from './quote';
import { combineFlags, encodeControlList, NO_FLAGS, parseControlList, type InstructorFlags } from './instructor/controls';
import { LESSON_IDS } from './lessons/lessons';
import { presetById, presetMatches, PRESET_IDS } from './presets';
import { BACKBONE_CHOICES, BACKEND_CHOICES, BATCH_SIZES, DEFAULT_SETTINGS, DEFAULT_STEPS_PER_UPDATE, SPEEDS, backboneRunDefaults } from './settings';

export const URL_STATE_VERSION = 1;

export interface UrlState {
  settings: RunSettings;
  stepsPerUpdate: number;
  /** The attention layer shown. */
  layer: number;
  /** Controls the link hides or locks. */
  instructor: InstructorFlags;
  /** The guided lesson the link opens, if any. */
  lesson: string | null;
  /** The paper experiment the settings came from, if they still match it. */
  preset: string | null;
  /** Keys the schema does not own but carries along (`debug`). */
  extras: Record<string, string>;
}

export interface DecodedUrlState {
  state: UrlState;
  /** What was changed on the way in, one sentence each; empty for a clean link. */
  notices: string[];
}

export const DEFAULT_URL_STATE: UrlState = {
  settings: DEFAULT_SETTINGS,
  stepsPerUpdate: DEFAULT_STEPS_PER_UPDATE,
  layer: 0,
  instructor: NO_FLAGS,
  lesson: null,
  preset: null,
  extras: {},
};

/** The settings' ranges are the run-settings schema's (worker/settings-schema.ts): seeds are 32-bit. */
export const LIMITS = {
  bits: SETTINGS_LIMITS.bits,
  lr: SETTINGS_LIMITS.lr,
  seed: SETTINGS_LIMITS.seed,
  layer: { min: 0, max: 1024 },
} as const;

const PRESERVED_EXTRAS = ['debug'];

/** Upgrades a link's parameters from version N to N + 1. */
const MIGRATIONS: Record<number, (params: URLSearchParams) => URLSearchParams> = {
  // v0 (no `v`): only `backend` existed, and it means the same in v1. Other keys a person may have
  // written by hand are read as v1 keys, so `?task=listops` still does what it says.
  0: (params) => new URLSearchParams(params),
};

function keepCommas(value: string): string {
  return encodeURIComponent(value).replace(/%2C/gi, ',');
}

export function encodeUrlState(state: UrlState): string {
  const { settings } = state;
  const pairs: [string, string][] = [
    ['v', String(URL_STATE_VERSION)],
    ['task', settings.task],
    ['bits', String(settings.bits)],
    ['bb', backboneId(settings)],
    ['g', settings.groups.join(',')],
    ['lr', String(settings.lr)],
    ['seed', String(settings.seed)],
    ['batch', String(settings.batchSize)],
    ['speed', String(state.stepsPerUpdate)],
    ['layer', String(state.layer)],
    ['backend', settings.backend],
    ...optionalPairs(state),
    ...Object.entries(state.extras),
  ];
  return pairs.map(([key, value]) => `${encodeURIComponent(key)}=${keepCommas(value)}`).join('&');
}

function optionalPairs(state: UrlState): [string, string][] {
  const pairs: [string, string][] = [];
  if (state.instructor.hide.length > 0) pairs.push(['hide', encodeControlList(state.instructor.hide)]);
  if (state.instructor.lock.length > 0) pairs.push(['lock', encodeControlList(state.instructor.lock)]);
  if (state.lesson !== null) pairs.push(['lesson', state.lesson]);
  if (state.preset !== null) pairs.push(['preset', state.preset]);
  return pairs;
}

function backboneId(settings: Pick<RunSettings, 'model' | 'init'>): string {
  return BACKBONE_CHOICES.find((b) => b.model === settings.model && b.init === settings.init)?.id ?? BACKBONE_CHOICES[0].id;
}

export function decodeUrlState(search: string): DecodedUrlState {
  const notices: string[] = [];
  const params = migrate(new URLSearchParams(search), notices);
  const read = new FieldReader(params, notices);
  const defaults = DEFAULT_URL_STATE;
  const backbone = read.choice(
    'bb',
    'backbone',
    BACKBONE_CHOICES.map((b) => b.id),
    backboneId(defaults.settings),
  );
  const { model, init } = BACKBONE_CHOICES.find((b) => b.id === backbone)!;
  const backboneDefaults = backboneRunDefaults(model);
  const settings: RunSettings = {
    task: read.choice('task', 'task', taskNames(), defaults.settings.task),
    bits: read.integer('bits', 'bits', LIMITS.bits, defaults.settings.bits),
    model,
    init,
    batchSize: read.nearest('batch', 'batch size', BATCH_SIZES, defaults.settings.batchSize),
    lr: read.number('lr', 'learning rate', LIMITS.lr, backboneDefaults.lr),
    seed: read.integer('seed', 'seed', LIMITS.seed, defaults.settings.seed),
    groups: read.groups('g', backboneDefaults.groups),
    backend: read.choice('backend', 'compute backend', BACKEND_CHOICES, defaults.settings.backend),
  };
  const hide = params.has('hide') ? parseControlList(params.get('hide')!, 'hide', notices) : [];
  const lock = params.has('lock') ? parseControlList(params.get('lock')!, 'lock', notices) : [];
  const instructor = hide.length + lock.length > 0 ? combineFlags(hide, lock, notices) : NO_FLAGS;
  const lesson = read.optionalChoice('lesson', 'lesson', LESSON_IDS, `no lesson opened (known: ${LESSON_IDS.join(', ')})`);
  let preset = read.optionalChoice('preset', 'paper experiment', PRESET_IDS, 'no paper experiment loaded');
  if (preset !== null && !presetMatches(presetById(preset)!, settings)) {
    notices.push(`paper experiment "${preset}" does not match the link's task, backbone and groups: not using it`);
    preset = null;
  }
  const extras: Record<string, string> = {};
  for (const key of PRESERVED_EXTRAS) {
    const value = params.get(key);
    if (value !== null) extras[key] = value;
  }
  return {
    state: {
      settings,
      stepsPerUpdate: read.nearest('speed', 'steps per update', SPEEDS, defaults.stepsPerUpdate),
      layer: read.integer('layer', 'attention layer', LIMITS.layer, defaults.layer),
      instructor,
      lesson,
      preset,
      extras,
    },
    notices,
  };
}

function migrate(params: URLSearchParams, notices: string[]): URLSearchParams {
  const raw = params.get('v');
  let version = raw === null ? 0 : Number(raw);
  if (!Number.isInteger(version) || version < 0) {
    notices.push(`link version ${quoted(raw ?? '')} is not a version number: reading it as version ${URL_STATE_VERSION}`);
    version = URL_STATE_VERSION;
  } else if (version > URL_STATE_VERSION) {
    notices.push(`link version ${version} is newer than this page (version ${URL_STATE_VERSION}): reading what it understands`);
    version = URL_STATE_VERSION;
  }
  let migrated = params;
  for (let v = version; v < URL_STATE_VERSION; v++) migrated = MIGRATIONS[v](migrated);
  return migrated;
}

/** Reads one key at a time, falling back to the default (with a notice) whenever the value does not fit. */
class FieldReader {
  constructor(
    private readonly params: URLSearchParams,
    private readonly notices: string[],
  ) {}

  choice<T extends string>(key: string, label: string, allowed: readonly T[], fallback: T): T {
    const raw = this.params.get(key);
    if (raw === null) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.notices.push(`${label} ${quoted(raw)} is not one of ${allowed.join(', ')}: using ${fallback}`);
    return fallback;
  }

  /** An id from a list, or null when the key is absent or empty; an unknown id is dropped with a notice. */
  optionalChoice(key: string, label: string, allowed: readonly string[], otherwise: string): string | null {
    const raw = this.params.get(key);
    if (raw === null || raw.trim() === '') return null;
    if (allowed.includes(raw)) return raw;
    this.notices.push(`${label} ${quoted(raw)} is not known: ${otherwise}`);
    return null;
  }

  number(key: string, label: string, range: { min: number; max: number }, fallback: number): number {
    const raw = this.params.get(key);
    if (raw === null) return fallback;
    const value = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(value)) {
      this.notices.push(`${label} ${quoted(raw)} is not a number: using ${fallback}`);
      return fallback;
    }
    return this.clamp(label, value, range);
  }

  integer(key: string, label: string, range: { min: number; max: number }, fallback: number): number {
    const raw = this.params.get(key);
    if (raw === null) return fallback;
    const value = this.number(key, label, range, fallback);
    if (Number.isInteger(value)) return value;
    const rounded = Math.round(value);
    this.notices.push(`${label} ${value} is not a whole number: using ${rounded}`);
    return rounded;
  }

  /** For a value from a fixed list (batch sizes, speeds): the closest entry. */
  nearest(key: string, label: string, allowed: readonly number[], fallback: number): number {
    const raw = this.params.get(key);
    if (raw === null) return fallback;
    const value = this.number(key, label, { min: -Infinity, max: Infinity }, fallback);
    if (allowed.includes(value)) return value;
    const closest = allowed.reduce((best, x) => (Math.abs(x - value) < Math.abs(best - value) ? x : best));
    this.notices.push(`${label} ${value} is not one of ${allowed.join(', ')}: using ${closest}`);
    return closest;
  }

  groups(key: string, fallback: readonly GroupName[]): GroupName[] {
    const raw = this.params.get(key);
    if (raw === null) return [...fallback];
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = items.filter((g) => !(ALL_GROUPS as readonly string[]).includes(g));
    if (unknown.length > 0)
      this.notices.push(`unknown parameter group${unknown.length > 1 ? 's' : ''} ${quotedList(unknown)} ignored (known: ${ALL_GROUPS.join(', ')})`);
    return ALL_GROUPS.filter((g) => items.includes(g));
  }

  private clamp(label: string, value: number, { min, max }: { min: number; max: number }): number {
    if (value < min) {
      this.notices.push(`${label} ${value} is below ${min}: using ${min}`);
      return min;
    }
    if (value > max) {
      this.notices.push(`${label} ${value} is above ${max}: using ${max}`);
      return max;
    }
    return value;
  }
}
