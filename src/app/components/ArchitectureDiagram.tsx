import { GROUP_LABELS, type GroupName } from '../../engine/groups';
import { usePlayground } from '../store';
import { setGroups } from '../training-client';
import { FeatureCacheToggle } from './FeatureCacheToggle';
import { LockNote, lockedProps, useControlMode } from '../instructor/ui';


const fmt = (n: number) => n.toLocaleString('en-US');

function GroupToggle({ group, detail }: { group: GroupName; detail?: string }) {
  const groups = usePlayground((s) => s.settings.groups);
  const count = usePlayground((s) => s.counts.find((c) => c.group === group)?.params ?? 0);
  const mode = useControlMode('groups');
  const on = groups.includes(group);
  const toggle = () => setGroups(on ? groups.filter((g) => g !== group) : [...groups, group]);
  return (
    <label className={`part part-${group} ${on ? 'trainable' : 'frozen'}${mode === 'shown' ? '' : ' fixed'}`} title={`${GROUP_LABELS[group]}: ${fmt(count)} parameters`}>
      {/* Hidden by an instructor link: the part still shows whether it trains, with no checkbox. */}
      {mode !== 'hidden' && <input type="checkbox" checked={on} onChange={toggle} aria-label={GROUP_LABELS[group]} disabled={mode === 'locked'} {...lockedProps('groups', mode)} />}
      <span className="part-name">{detail ?? GROUP_LABELS[group]}</span>
      <span className="part-state">{on ? 'trains' : 'frozen'}</span>
    </label>
  );
}

/**
 * The model drawn bottom-up as its parts, each part a toggle for its parameter group. Layer norms,
 * attention and feed-forward are one group each across all blocks, as in the paper.
 */
export function ArchitectureDiagram() {
  const model = usePlayground((s) => s.model);
  const counts = usePlayground((s) => s.counts);
  const lastUpdated = usePlayground((s) => s.lastUpdated);
  const trainable = counts.filter((c) => c.trainable).reduce((a, c) => a + c.params, 0);
  const total = counts.reduce((a, c) => a + c.params, 0);
  const layers = model?.layers ?? 0;
  const groupsMode = useControlMode('groups');
  return (
    <section className="panel architecture" aria-labelledby="arch-title">
      <h2 id="arch-title">What trains</h2>
      <p className="counts" data-testid="param-counts">
        <strong>{fmt(trainable)}</strong> of {fmt(total)} parameters train (
        <span data-testid="trainable-percent">{total ? ((100 * trainable) / total).toFixed(3) : '0'}%</span>)
        {model?.paperTotal ? (
          <span className="paper-share" data-testid="paper-share">
            {' '}
            ; {((100 * trainable) / model.paperTotal).toFixed(3)}% of all {fmt(model.paperTotal)} GPT-2 parameters, the paper’s denominator (§2.2, 0.086% for GPT-2 small on CIFAR-10), which also counts the token embeddings and position rows that FPT never uses
          </span>
        ) : null}
      </p>
      <LockNote control="groups" mode={groupsMode} />
      <div className="diagram">
        <GroupToggle group="output" />
        <div className="stack-note">ln_f, the final layer norm, trains with the layer norms</div>
        <div className="blocks" aria-label={`${layers} transformer blocks`}>
          <div className="block-label">× {layers} blocks</div>
          <GroupToggle group="feedforward" detail="Feed-forward (MLP)" />
          <GroupToggle group="layernorm" detail="Layer norms (ln_1, ln_2, ln_f)" />
          <GroupToggle group="attention" detail="Self-attention" />
        </div>
        <GroupToggle group="positions" />
        <GroupToggle group="input" />
      </div>
      <FeatureCacheToggle />
      <details className="updated">
        <summary data-testid="last-updated-summary">
          {lastUpdated.length ? `The last step updated ${lastUpdated.length} tensors` : 'No step taken yet'}
        </summary>
        <p data-testid="last-updated">{lastUpdated.join(', ')}</p>
      </details>
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
    </section>
  );
}
