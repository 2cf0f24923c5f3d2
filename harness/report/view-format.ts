// How the report writes numbers, money, ids and colours, shared by its sections so every table and
// chart rounds and colours the same way.
export const typeColors = ['#2a9d8f', '#5468c4', '#e39b3a', '#c05a7a', '#6a8f3a', '#8a63b8'];
export const dcColors = ['#3b6ea8', '#d0733d', '#4e9a6b', '#a8518a', '#8c7a3a', '#4b8fa3'];
export const ink = '#36414f';
export const guardRed = '#c8443b';

export const r = (x: number | null | undefined, digits = 1): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits;
export const pct = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined ? '–' : `${(x * 100).toFixed(digits)}%`;
export const num = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined
    ? '–'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** Rounds up to a multiple of half a power of ten below x (504 -> 550, 1260 -> 1500), so axes end on a round number. */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(x)) / 2;
  return Math.ceil(x / step) * step;
}
/** Dollars: cents for sums of a dollar or more, four decimals below (a small local server costs $0.0104/h). */
export function money(x: number): string {
  return Math.abs(x) >= 1 || x === 0 ? x.toFixed(2) : x.toFixed(4).replace(/0{1,2}$/, '');
}
export const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'x';

export function colorOf(list: string[], palette: string[], name: string): string {
  const i = list.indexOf(name);
  return palette[(i < 0 ? list.length : i) % palette.length];
}
