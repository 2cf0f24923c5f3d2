// The traffic forecast a plan is made for: a CSV with `dc,peak_rps`, an optional peak range, `growth` and
// `current_<serverType>` columns (the servers each DC runs today). Read and parsed here only, with one set of errors.
import * as fs from 'node:fs';
import { ConfigError, ConfigErrors } from '../common';

/** The header every forecast error names as what was expected. */
export const forecastHeader = 'dc,peak_rps[,peak_rps_low,peak_rps_high][,growth][,current_<serverType>...]';
const expectedHeader = `expected a forecast CSV with a header row \`${forecastHeader}\``;

export interface ForecastRow {
  dc: string;
  /** Expected peak req/s of the DC, before growth. */
  peakRps: number;
  /** Range of the expected peak (`peak_rps_low`, `peak_rps_high` columns), for plans with ranges; absent = the peak is taken as known. */
  peakRpsLow?: number;
  peakRpsHigh?: number;
  /** Growth for this DC (0.2 = +20%); absent = the plan's default growth. */
  growth?: number;
  /** Servers the DC runs today per server type; a type absent or left blank is unknown. */
  current: Record<string, number>;
  /** Where the row came from, so later errors (an unknown server type) can name it. */
  source: { file: string; line: number };
}

/** Splits one CSV line into cells: commas, double quotes with "" as an escaped quote. */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}

/** A share written as 0.2 or 20%. */
function parseShare(text: string): number | undefined {
  const m = /^(-?\d+(?:\.\d+)?)(%?)$/.exec(text);
  if (!m) return undefined;
  return m[2] ? Number(m[1]) / 100 : Number(m[1]);
}

/**
 * Parses a forecast. Every problem is collected (ConfigErrors, exit 104), each naming the file,
 * the line, the column and the value: an unknown DC, a DC twice, a DC of the cluster missing,
 * a peak that is not a number >= 0, an unknown column.
 */
export function parseForecastCsv(text: string, file: string, knownDcs: string[]): ForecastRow[] {
  const problems: ConfigError[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (headerIndex < 0) throw new ConfigError(file, 'line 1', `the forecast is empty; ${expectedHeader}`);
  const header = splitCsvLine(lines[headerIndex]).map((h) => h.toLowerCase());
  const headerLine = headerIndex + 1;
  for (const required of ['dc', 'peak_rps']) {
    if (!header.includes(required)) {
      problems.push(
        new ConfigError(file, `line ${headerLine}`, `the header has no '${required}' column; ${expectedHeader}`),
      );
    }
  }
  header.forEach((h, i) => {
    if (
      !['dc', 'peak_rps', 'peak_rps_low', 'peak_rps_high', 'growth'].includes(h) &&
      !/^current_[a-z0-9_.-]+$/.test(h)
    ) {
      problems.push(
        new ConfigError(
          file,
          `line ${headerLine}, column ${i + 1}`,
          `unknown column '${h}'; expected dc, peak_rps, peak_rps_low, peak_rps_high, growth or current_<serverType>`,
        ),
      );
    }
  });
  throwProblems(problems);

  const rows: ForecastRow[] = [];
  const seen = new Map<string, number>();
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '' || raw.trim().startsWith('#')) continue;
    const line = i + 1;
    const cells = splitCsvLine(raw);
    const at = (col: number) => `line ${line}, column ${col + 1} (${header[col]})`;
    if (cells.length !== header.length) {
      problems.push(
        new ConfigError(file, `line ${line}`, `has ${cells.length} cells; expected ${header.length} like the header`),
      );
      continue;
    }
    const row: ForecastRow = { dc: '', peakRps: 0, current: {}, source: { file, line } };
    let ok = true;
    header.forEach((h, col) => {
      const value = cells[col];
      if (h === 'dc') {
        if (!knownDcs.includes(value)) {
          problems.push(
            new ConfigError(file, at(col), `unknown dc '${value}'; expected one of ${knownDcs.join(', ')}`),
          );
          ok = false;
        } else if (seen.has(value)) {
          problems.push(
            new ConfigError(file, at(col), `dc '${value}' appears twice (first on line ${seen.get(value)})`),
          );
          ok = false;
        } else {
          seen.set(value, line);
        }
        row.dc = value;
      } else if (h === 'peak_rps') {
        const n = value === '' ? NaN : Number(value);
        if (!Number.isFinite(n) || n < 0) {
          problems.push(
            new ConfigError(file, at(col), `value '${value}' is not a rate; expected req/s, a number >= 0`),
          );
          ok = false;
        }
        row.peakRps = n;
      } else if (h === 'peak_rps_low' || h === 'peak_rps_high') {
        if (value === '') return;
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0) {
          problems.push(
            new ConfigError(file, at(col), `value '${value}' is not a rate; expected req/s, a number >= 0, or blank`),
          );
          ok = false;
        }
        if (h === 'peak_rps_low') row.peakRpsLow = n;
        else row.peakRpsHigh = n;
      } else if (h === 'growth') {
        if (value === '') return;
        const g = parseShare(value);
        if (g === undefined || g <= -1) {
          problems.push(
            new ConfigError(
              file,
              at(col),
              `value '${value}' is not a growth; expected a share above -1 such as 0.2 or 20%`,
            ),
          );
          ok = false;
        }
        row.growth = g;
      } else {
        if (value === '') return;
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) {
          problems.push(
            new ConfigError(file, at(col), `value '${value}' is not a server count; expected a whole number >= 0`),
          );
          ok = false;
        }
        row.current[h.slice('current_'.length)] = n;
      }
    });
    const low = row.peakRpsLow ?? row.peakRps;
    const high = row.peakRpsHigh ?? row.peakRps;
    if (ok && !(low <= row.peakRps && row.peakRps <= high)) {
      problems.push(
        new ConfigError(
          file,
          `line ${line}, peak_rps_low/peak_rps_high`,
          `range ${low}..${high} does not hold peak_rps ${row.peakRps}; expected peak_rps_low <= peak_rps <= peak_rps_high`,
        ),
      );
      ok = false;
    }
    if (ok) rows.push(row);
  }
  for (const dc of knownDcs) {
    if (!seen.has(dc))
      problems.push(
        new ConfigError(file, 'dc', `no row for dc '${dc}'; every dc of the cluster needs a peak (0 is allowed)`),
      );
  }
  throwProblems(problems);
  return rows;
}

/** One problem as itself, several together (exit 104 either way). */
function throwProblems(problems: ConfigError[]): void {
  if (problems.length === 1) throw problems[0];
  if (problems.length) throw new ConfigErrors(problems);
}

/** Reads and parses a forecast file for a cluster's DCs (ConfigError, exit 104, naming the file, line and field). */
export function readForecast(file: string, knownDcs: string[]): ForecastRow[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot be read (${(err as Error).message})`;
    throw new ConfigError(file, '', `${why}; ${expectedHeader}`);
  }
  return parseForecastCsv(text, file, knownDcs);
}
