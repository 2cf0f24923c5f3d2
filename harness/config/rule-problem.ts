// One problem a validation rule found in a cluster file: where (a field path), the value, what was expected;
// how a field path is written, and a DC of the raw file as the rules walk it.
export type PathSegment = string | number;

export interface RuleProblem {
  path: PathSegment[];
  /** The offending value; `undefined` means the field is missing. */
  value: unknown;
  expected: string;
  /** Set when the value exists but the sentence should not read "got ..., expected ...". */
  problem?: string;
}

/** A DC of the raw file and where it sits (regions[r].dcs[d]). */
export interface DcRef {
  path: PathSegment[];
  dc: Record<string, unknown>;
}

/** `regions[0].dcs[1].demand` */
export function fieldPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
