// The Prometheus text exposition format (0.0.4, and the OpenMetrics lines a scrape may carry): what a
// server headroom does not manage says about itself. Counters and gauges are all the static driver reads;
// histogram and summary series parse as plain samples.

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** As written, when the line carries one (ms in Prometheus text, seconds in OpenMetrics). */
  timestamp?: number;
}

export interface PromText {
  samples: PromSample[];
  /** `# TYPE` per metric family. */
  types: Record<string, string>;
}

export class PromParseError extends Error {
  constructor(
    readonly line: number,
    readonly text: string,
    problem: string,
  ) {
    super(`line ${line}: ${problem}: ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`);
  }
}

const nameRe = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const labelNameRe = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Reads `{a="x",b="y\"z"}` from position `at` of `line`; returns the labels and the position after `}`. */
function parseLabels(line: string, at: number, lineNo: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  const skipSpace = () => {
    while (line[i] === ' ' || line[i] === '\t') i++;
  };
  for (;;) {
    skipSpace();
    if (line[i] === '}') return { labels, end: i + 1 };
    const name = labelNameRe.exec(line.slice(i));
    if (!name) throw new PromParseError(lineNo, line, `expected a label name at column ${i + 1}`);
    i += name[0].length;
    skipSpace();
    if (line[i] !== '=') throw new PromParseError(lineNo, line, `expected '=' after label ${name[0]}`);
    i++;
    skipSpace();
    if (line[i] !== '"') throw new PromParseError(lineNo, line, `expected a quoted value for label ${name[0]}`);
    i++;
    let value = '';
    for (; ; i++) {
      const c = line[i];
      if (c === undefined) throw new PromParseError(lineNo, line, `unterminated value of label ${name[0]}`);
      if (c === '"') break;
      if (c === '\\') {
        const next = line[++i];
        value += next === 'n' ? '\n' : next === '\\' || next === '"' ? next : `\\${next ?? ''}`;
      } else value += c;
    }
    i++;
    labels[name[0]] = value;
    skipSpace();
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new PromParseError(lineNo, line, `expected ',' or '}' after label ${name[0]}`);
  }
}

/** Parses a scrape; a malformed line throws PromParseError naming it. */
export function parsePromText(text: string): PromText {
  const samples: PromSample[] = [];
  const types: Record<string, string> = {};
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/\r$/, '').trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (m) types[m[1]] = m[2];
      if (/^#\s*EOF\s*$/.test(line)) break;
      continue;
    }
    const name = nameRe.exec(line);
    if (!name) throw new PromParseError(n + 1, line, 'expected a metric name');
    let i = name[0].length;
    while (line[i] === ' ' || line[i] === '\t') i++;
    let labels: Record<string, string> = {};
    if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i, n + 1));
    const rest = line.slice(i).trim().split(/\s+/);
    if (rest[0] === '' || rest.length > 2)
      throw new PromParseError(n + 1, line, 'expected a value and an optional timestamp');
    const value = parseValue(rest[0]);
    if (value === undefined) throw new PromParseError(n + 1, line, `'${rest[0]}' is not a number`);
    const sample: PromSample = { name: name[0], labels, value };
    if (rest[1] !== undefined) {
      const ts = Number(rest[1]);
      if (!Number.isFinite(ts)) throw new PromParseError(n + 1, line, `'${rest[1]}' is not a timestamp`);
      sample.timestamp = ts;
    }
    samples.push(sample);
  }
  return { samples, types };
}

/** The sum of a metric's series (e.g. one per worker); undefined when the scrape has none. */
export function metricSum(text: PromText, name: string): number | undefined {
  let sum: number | undefined;
  for (const s of text.samples) if (s.name === name) sum = (sum ?? 0) + s.value;
  return sum;
}
