// Geometry for the small server-rendered SVG charts. Each chart also has a table with the
// same numbers (its text alternative), so these functions only place shapes.

import type { ActionStatus } from './queries';

const SEGMENTS: Array<{ status: ActionStatus[]; key: string }> = [
  { status: ['completed'], key: 'completed' },
  { status: ['in_progress'], key: 'in_progress' },
  { status: ['delayed'], key: 'delayed' },
  { status: ['not_started', 'not_reported'], key: 'not_started' },
];

/** One stacked bar (0–100 wide) of a target's actions by latest status. */
export function statusBar(statuses: ActionStatus[]) {
  const counted = statuses.filter((status) => status !== 'withdrawn');
  const total = counted.length;
  let x = 0;
  const segments = SEGMENTS.map((segment) => {
    const count = counted.filter((status) => segment.status.includes(status)).length;
    const width = total ? (count / total) * 100 : 0;
    const placed = { key: segment.key, count, x: round(x), width: round(width) };
    x += width;
    return placed;
  });
  return { total, segments };
}

const WIDTH = 300;
const HEIGHT = 120;
const PAD = 12;
const round = (value: number) => Math.round(value * 100) / 100;

/**
 * A line chart of an indicator over the cycles, with an optional goal drawn as a dashed
 * line: the first value growing by goalGrowth each cycle (goal 1.1: +10% a year).
 */
export function indicatorLine(values: number[], goalGrowth: number | null) {
  const [first] = values;
  const goal = goalGrowth === null || first === undefined ? [] : values.map((_, index) => first * (1 + goalGrowth) ** index);
  const all = [...values, ...goal];
  const min = Math.min(0, ...all);
  const max = Math.max(1, ...all);
  const x = (index: number) => round(values.length === 1 ? WIDTH / 2 : PAD + (index * (WIDTH - 2 * PAD)) / (values.length - 1));
  const y = (value: number) => round(HEIGHT - PAD - ((value - min) / (max - min)) * (HEIGHT - 2 * PAD));
  return {
    width: WIDTH,
    height: HEIGHT,
    baseline: HEIGHT - PAD,
    points: values.map((value, index) => ({ x: x(index), y: y(value) })),
    line: values.map((value, index) => `${x(index)},${y(value)}`).join(' '),
    goalLine: goal.length > 1 ? goal.map((value, index) => `${x(index)},${y(value)}`).join(' ') : null,
    goalValues: goal.map((value) => Math.round(value)),
  };
}
