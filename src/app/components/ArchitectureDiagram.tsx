import { GROUP_LABELS, type GroupName } from '../../engine/groups';
import { useSettings } from '../stores/settings-store';
import { useRun } from '../stores/run-store';
import { setGroups } from '../training-client';
import { LockNote, lockedProps } from '../instructor/ui';
import { useControlMode } from '../hooks/control-mode';
import { useUpdatedGroups } from '../hooks/updated-groups';

const fmt = (n: number) => n.toLocaleString('en-US');
/** 1234567 → "1.2M": short enough for a part of the diagram (the exact count is in its title and the table). */
const short = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}k` : fmt(n));

/**
 * One part of the model that is also the toggle for its parameter group: frozen or trainable, its
 * parameter count, and lit while the last step updated it. `twin` parts (ln_2, ln_f) show the same
 * group's state and toggle the same checkbox, so that each group has one accessible checkbox.
 */
export function GroupToggle({ group, detail, twin = false }: { group: GroupName; detail?: string; twin?: boolean }) {
  const groups = useSettings((s) => s.settings.groups);
  const count = useRun((s) => s.counts.find((c) => c.group === group)?.params ?? 0);
  const lit = useUpdatedGroups().has(group);
  const mode = useControlMode('groups');
  const on = groups.includes(group);
  const toggle = () => setGroups(on ? groups.filter((g) => g !== group) : [...groups, group]);
  const className = `part part-${group} ${on ? 'trainable' : 'frozen'}${mode === 'shown' ? '' : ' fixed'}${lit ? ' lit' : ''}${twin ? ' twin' : ''}`;
  const title = `${GROUP_LABELS[group]}: ${fmt(count)} parameters, ${on ? 'trainable' : 'frozen'}${lit ? '; updated by the last step' : ''}`;
  const body = (
    <>
      <span className="part-name">{detail ?? GROUP_LABELS[group]}</span>
      <span className="part-meta">
        <span className="part-count">{short(count)}</span>
        <span className="part-state">{on ? 'trains' : 'frozen'}</span>
      </span>
    </>
  );
  if (twin) {
    // Hidden from assistive technology: the group's one checkbox is on its first part.
    return mode === 'hidden' ? (
      <div className={className} aria-hidden="true" title={title}>
        {body}
      </div>
    ) : (
      <label className={className} htmlFor={`toggle-${group}`} aria-hidden="true" title={title}>
        {body}
      </label>
    );
  }
  return (
    <label className={className} title={title} data-testid={`part-${group}`} data-lit={lit}>
      {/* Hidden by an instructor link: the part still shows whether it trains, with no checkbox. */}
      {mode !== 'hidden' && (
        <input
          id={`toggle-${group}`}
          type="checkbox"
          checked={on}
          onChange={toggle}
          aria-label={GROUP_LABELS[group]}
          disabled={mode === 'locked'}
          {...lockedProps('groups', mode)}
        />
      )}
      {body}
    </label>
  );
}

/** How many parameters train, of how many (and of all GPT-2's, the paper's denominator). */
export function ParameterCounts() {
  const model = useRun((s) => s.model);
  const counts = useRun((s) => s.counts);
  const trainable = counts.filter((c) => c.trainable).reduce((a, c) => a + c.params, 0);
  const total = counts.reduce((a, c) => a + c.params, 0);
  const paperShare = model?.paperTotal
    ? `${((100 * trainable) / model.paperTotal).toFixed(3)}% of all ${fmt(model.paperTotal)} GPT-2 parameters, the paper’s denominator (§2.2, 0.086% for GPT-2 small on CIFAR-10), which also counts the token embeddings and position rows that FPT never uses`
    : undefined;
  return (
    <p className="counts" data-testid="param-counts" title={paperShare}>
      <strong>{fmt(trainable)}</strong> of {fmt(total)} parameters train (
      <span data-testid="trainable-percent">{total ? ((100 * trainable) / total).toFixed(3) : '0'}%</span>)
      {paperShare ? (
        <span className="sr-only" data-testid="paper-share">
          ; {paperShare}
        </span>
      ) : null}
    </p>
  );
}

/**
 * The transformer stack as one block repeated: ln_1 → self-attention → ln_2 → feed-forward, then
 * ln_f. Layer norms, attention and feed-forward are one group each across all blocks, as in the paper.
 */
export function TransformerStack() {
  const layers = useRun((s) => s.model?.layers ?? 0);
  const groupsMode = useControlMode('groups');
  return (
    <section className="flow-stage stack" aria-labelledby="stack-title">
      <h2 id="stack-title">
        Transformer <span className="muted">× {layers || '…'} blocks</span>
      </h2>
      <LockNote control="groups" mode={groupsMode} />
      <div className="blocks" aria-label={`${layers} transformer blocks, each: layer norm, self-attention, layer norm, feed-forward`} role="group">
        <GroupToggle group="layernorm" detail="Layer norm ln_1" />
        <GroupToggle group="attention" detail="Self-attention" />
        <GroupToggle group="layernorm" detail="Layer norm ln_2" twin />
        <GroupToggle group="feedforward" detail="Feed-forward (MLP)" />
      </div>
      <GroupToggle group="layernorm" detail="Final layer norm ln_f" twin />
      <ParameterCounts />
    </section>
  );
}

/** The secondary "Parameters" panel: every group's count and the tensors the last step changed. */
export function ParameterDetails() {
  const counts = useRun((s) => s.counts);
  const lastUpdated = useRun((s) => s.lastUpdated);
  return (
    <section className="panel architecture" aria-labelledby="arch-title">
      <h2 id="arch-title">What trains</h2>
      <table className="group-table">
        <caption className="sr-only">Parameters per group</caption>
        <tbody>
          {counts.map((c) => (
            <tr key={c.group} data-testid={`count-${c.group}`}>
              <th scope="row">{GROUP_LABELS[c.group]}</th>
              <td>{fmt(c.params)}</td>
              <td>{c.trainable ? 'trains' : 'frozen'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <details className="updated" open>
        <summary data-testid="last-updated-summary">{lastUpdated.length ? `The last step updated ${lastUpdated.length} tensors` : 'No step taken yet'}</summary>
        <p data-testid="last-updated">{lastUpdated.join(', ')}</p>
      </details>
    </section>
  );
}
