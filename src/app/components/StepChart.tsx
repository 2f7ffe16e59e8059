import type { ReactNode } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import type { RunLine } from '../runs/run-lines';

/** What every curve on the learning-curve charts shares: a monotone line, no dots, drawn at once (no animation). */
export const CURVE = { type: 'monotone', dot: false, isAnimationActive: false } as const;

/** The frame of every learning-curve chart: fills its box, a dashed grid, the training step along x; the lines are the children. */
export function StepChart({
  data,
  margin,
  children,
}: {
  data: object[];
  margin: { top: number; right: number; bottom: number; left: number };
  children: ReactNode;
}) {
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={data} margin={margin}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} />
        {children}
      </LineChart>
    </ResponsiveContainer>
  );
}

/** The y axis of a loss-like chart: from 0 on a linear scale, or automatic on a log scale. (An element, not a component: recharts reads its own children.) */
export function scaledYAxis(logScale: boolean) {
  return (
    <YAxis
      scale={logScale ? 'log' : 'linear'}
      domain={logScale ? ['auto', 'auto'] : [0, 'auto']}
      allowDataOverflow
      width={56}
      tickFormatter={(v: number) => v.toPrecision(2)}
    />
  );
}

/** A kept run's curve over a chart: its own colour; the pinned baseline thick and dashed. */
export function runLine(run: Pick<RunLine, 'id' | 'name' | 'colour' | 'baseline'>, data: object[], dataKey: string) {
  return (
    <Line
      key={`run-${run.id}`}
      {...CURVE}
      data={data}
      dataKey={dataKey}
      name={run.name}
      stroke={run.colour}
      strokeWidth={run.baseline ? 2.5 : 1.5}
      strokeDasharray={run.baseline ? '8 4' : undefined}
    />
  );
}
