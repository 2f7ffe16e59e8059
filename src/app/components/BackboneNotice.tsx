/**
 * One line on what the backbone is (the embedded mini English GPT-2, the random test model, or GPT-2
 * small) and why the page does not start on GPT-2 small, plus the offer to switch to it with the
 * paper's Bit XOR FPT preset (and, on the random test model, the embedded mini English GPT-2 frozen
 * under the FPT groups: the paper's method offline). After a complete GPT-2 load its cached pieces are recorded, so the next
 * fresh visit starts on it (src/app/gpt2-default.ts).
 */
import { useEffect } from 'react';
import { useRun } from '../stores/run-store';
import { useSettings } from '../stores/settings-store';
import { changeRunSettings } from '../training-client';
import { useControlMode } from '../hooks/control-mode';
import { presetById, presetSettings } from '../presets';
import { GPT2_DEFAULT_PRESET, GPT2_HUB_MB, GPT2_SHARDS_MB, recordGpt2Cached } from '../gpt2-default';
import { MINI_FPT_SETTINGS } from '../settings';
import { embeddedModel, MINI_BROWN_MODEL, RANDOM_TEST_MODEL } from '../../weights/embedded-models';
import { LOCAL_MODEL_ID } from '../../worker/pretrain-protocol';

function useGpt2CacheRecord(): void {
  const ready = useRun((s) => s.phase === 'ready' && s.model?.label === 'gpt2' && s.model.init === 'pretrained');
  useEffect(() => {
    if (!ready) return;
    const p = useRun.getState().loadProgress;
    void recordGpt2Cached(p && { cache: p.cache, shardsTotal: p.shardsTotal });
  }, [ready]);
}

function switchToGpt2(): void {
  const preset = presetById(GPT2_DEFAULT_PRESET)!;
  useSettings.setState({ presetId: preset.id });
  changeRunSettings(presetSettings(preset, useSettings.getState().settings, 'gpt2'));
}

/** The paper's method without a download: the embedded English mini model, frozen under the FPT groups. */
function switchToMini(): void {
  useSettings.setState({ presetId: null });
  changeRunSettings(MINI_FPT_SETTINGS);
}

export function BackboneNotice() {
  const model = useSettings((s) => s.settings.model);
  const init = useSettings((s) => s.settings.init);
  const bodyTrains = useSettings((s) => s.settings.groups.some((g) => g === 'attention' || g === 'feedforward'));
  const canSwitch = useControlMode('backbone') === 'shown';
  useGpt2CacheRecord();
  // GPT-2 small needs no introduction, unless its body trains too.
  if (model === 'gpt2' && !bodyTrains) return null;
  const known = embeddedModel(model);
  let what: string;
  if (model === 'gpt2') {
    what = `This is GPT-2 small, ${init === 'pretrained' ? 'pretrained on text' : `with ${init} weights`}.`;
  } else if (model === LOCAL_MODEL_ID) {
    what = 'This is the mini GPT-2 you pretrained in this browser (Pretrain panel); not GPT-2 small.';
  } else if (known?.languagePretrained && init === 'pretrained') {
    what = `This is a ${known.label}, embedded in the page (starts at once, works offline); not GPT-2 small, the paper's model.`;
  } else if (known && init === 'pretrained') {
    what = `This is the ${known.label}: its weights are random, not pretrained on text; embedded, so it starts at once and offline.`;
  } else {
    what = `This is ${known ? `the shape of the ${known.label}` : model} with ${init} weights, not a model pretrained on text.`;
  }
  // Not the paper's frozen body: said, and What trains shows those groups ticked.
  if (bodyTrains) what += ' Its attention and feed-forward train too: not the paper’s frozen body.';
  return (
    <div className="notice backbone-notice" role="note" data-testid="backbone-notice">
      <p>
        {what}{' '}
        {canSwitch && model === RANDOM_TEST_MODEL.dir && (
          <button type="button" onClick={switchToMini} title={`The ${MINI_BROWN_MODEL.label}, frozen: only the paper's groups train`}>
            Freeze the mini English GPT-2
          </button>
        )}
        {canSwitch && (
          <button
            type="button"
            onClick={switchToGpt2}
            title={`${GPT2_SHARDS_MB} MB from this site's converted shards; ${GPT2_HUB_MB} MB when read from Hugging Face`}
          >
            Use GPT-2 small, {GPT2_SHARDS_MB} MB
          </button>
        )}
      </p>
    </div>
  );
}
