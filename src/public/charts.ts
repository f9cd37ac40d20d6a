// Geometry for the small server-rendered SVG charts. Each chart also has a table with the
// same numbers (its text alternative), so these functions only place shapes.

import type { ActionStatus } from './queries';

const SEGMENTS: Array<{ status: ActionStatus[]; key: string }> = [
  { status: ['completed'], key: 'completed' },
  { status: ['in_progress'], key: 'in_progress' },
  { status: ['delayed'], key: 'delayed' },
  { status: ['not_started', 'not_reported'], key: 'not_started' },
];

/**
 * One stacked bar (0–100 wide) of a target's actions by latest status, from how many
 * actions have each status (public_action_counts' rows), so a member with years of pledges
 * costs no more than one with a few.
 */
export function statusBar(counts: Array<{ latest_status: ActionStatus; actions: number }>) {
  const counted = counts.filter((row) => row.latest_status !== 'withdrawn');
  const total = counted.reduce((sum, row) => sum + row.actions, 0);
  let x = 0;
  const segments = SEGMENTS.map((segment) => {
    const count = counted.reduce((sum, row) => (segment.status.includes(row.latest_status) ? sum + row.actions : sum), 0);
    const width = total ? (count / total) * 100 : 0;
    const placed = { key: segment.key, count, x: round(x), width: round(width) };
    x += width;
    return placed;
  });
  return { total, segments };
}

const round = (value: number) => Math.round(value * 100) / 100;

const WIDTH = 480;
const HEIGHT = 240;
const MARGIN = { top: 28, right: 24, bottom: 36, left: 64 };
const DAY_MS = 24 * 60 * 60 * 1000;
const YEAR_MS = 365.25 * DAY_MS;

export type ChartValue = { date: string; value: number };

/** Round steps for an axis from 0 (or below) to max: 1, 2 or 5 × 10^n, four or five of them. */
function niceTicks(min: number, max: number): number[] {
  const span = max - min || 1;
  const raw = span / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let tick = Math.floor(min / step) * step; tick < max + step; tick += step) ticks.push(round(tick));
  return ticks;
}

/**
 * An indicator over time: values placed by their cycle's date on a time axis labelled by
 * year, a value axis with round ticks, and — when the indicator has a yearly goal — the
 * goal as a dashed line: the first value growing by `goalPerYear` a year (goal 1.1: +10 %).
 * Values are labelled when there are few. Needs two values or more (one is shown as a
 * number, not a chart).
 */
export function indicatorChart(values: ChartValue[], goalPerYear: number | null) {
  // A date-only 'YYYY-MM-DD' is read as UTC midnight (ECMAScript's date time string format).
  const times = values.map((point) => Date.parse(point.date));
  const first = values[0];
  const start = times[0] ?? 0;
  const goal =
    goalPerYear === null || first === undefined ? [] : times.map((time) => first.value * (1 + goalPerYear) ** ((time - start) / YEAR_MS));
  const firstYear = new Date(Math.min(...times)).getUTCFullYear();
  const lastYear = new Date(Math.max(...times)).getUTCFullYear() + 1;
  const from = Date.UTC(firstYear, 0, 1);
  const to = Date.UTC(lastYear, 0, 1);
  const yTicks = niceTicks(
    Math.min(0, ...values.map((point) => point.value), ...goal),
    Math.max(1, ...values.map((point) => point.value), ...goal),
  );
  const yMin = yTicks[0] ?? 0;
  const yMax = yTicks[yTicks.length - 1] ?? 1;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (time: number) => round(MARGIN.left + ((time - from) / (to - from)) * plotWidth);
  const y = (value: number) => round(MARGIN.top + plotHeight - ((value - yMin) / (yMax - yMin)) * plotHeight);
  const yearStep = Math.max(1, Math.ceil((lastYear - firstYear) / 8));
  const years: number[] = [];
  for (let year = firstYear; year <= lastYear; year += yearStep) years.push(year);
  const goalEnd = goal.length > 1 ? { x: x(times[times.length - 1] ?? start), y: y(goal[goal.length - 1] ?? 0) } : null;
  // The goal's label ends left of the last point (whose own label is centred above it), on the
  // side of the goal line away from the last value.
  const lastValue = values[values.length - 1]?.value ?? 0;
  const goalAbove = lastValue < (goal[goal.length - 1] ?? 0);
  const points = values.map((point, index) => {
    const pointY = y(point.value);
    return { x: x(times[index] ?? start), y: pointY, labelY: pointY - 9, value: point.value };
  });
  const plot = { left: MARGIN.left, right: WIDTH - MARGIN.right, top: MARGIN.top, bottom: MARGIN.top + plotHeight };
  const xTicks = years.map((year) => ({ year, x: x(Date.UTC(year, 0, 1)) }));
  const tickEnd = plot.bottom + 5;
  const valueTicks = yTicks.map((value) => ({ value, y: y(value) }));
  return {
    width: WIDTH,
    height: HEIGHT,
    plot,
    // Where each label goes: year labels under their tick, value labels left of the axis, point labels above the point.
    xTicks,
    yearLabelY: plot.bottom + 20,
    valueLabelX: MARGIN.left - 6,
    yTicks: valueTicks,
    // The lines that repeat — the grid, the year ticks, a dot per value — are one path each
    // (a dot is a zero-length line with round caps): a chart of twenty values was 3.9 KB of
    // markup, most of it an element per line and dot.
    grid: valueTicks.map((tick) => `M${plot.left} ${tick.y}H${plot.right}`).join(''),
    ticks: xTicks.map((tick) => `M${tick.x} ${plot.bottom}V${tickEnd}`).join(''),
    dots: points.map((point) => `M${point.x} ${point.y}h0`).join(''),
    points,
    first: first?.value ?? 0,
    last: values[values.length - 1]?.value ?? 0,
    line: points.map((point) => `${point.x},${point.y}`).join(' '),
    labelled: values.length <= 6,
    goalLine: goalEnd ? goal.map((value, index) => `${x(times[index] ?? start)},${y(value)}`).join(' ') : null,
    goalLabel: goalEnd
      ? { x: goalEnd.x - 14, y: goalAbove ? Math.max(12, goalEnd.y - 8) : Math.min(HEIGHT - MARGIN.bottom - 4, goalEnd.y + 16) }
      : null,
    goalValues: goal.map((value) => Math.round(value)),
  };
}
