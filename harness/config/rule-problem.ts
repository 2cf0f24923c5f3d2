// One problem a validation rule found in a cluster file: where (a field path), the value, what was expected.
export type PathSegment = string | number;

export interface RuleProblem {
  path: PathSegment[];
  /** The offending value; `undefined` means the field is missing. */
  value: unknown;
  expected: string;
  /** Set when the value exists but the sentence should not read "got ..., expected ...". */
  problem?: string;
}
