// Tags on every sample (k6 style) and the filters that select them; a tag-set is keyed once, not per sample.

export const tagNames = ['region', 'dc', 'pool', 'serverType', 'replica', 'endpoint', 'step', 'protocol'] as const;
export type TagName = (typeof tagNames)[number];
export type Tags = Partial<Record<TagName, string>>;

const known = new Set<string>(tagNames);
export function isTagName(name: string): name is TagName {
  return known.has(name);
}

/** A stable key for a tag-set: same tags in any order give the same key. */
export function tagKey(tags: Tags): string {
  let key = '';
  for (const name of tagNames) {
    const v = tags[name];
    if (v !== undefined) key += `${name}=${v}\u0001`;
  }
  return key;
}

/** True when every tag of the filter is present with the same value. */
export function matchesFilter(tags: Tags, filter: Tags | undefined): boolean {
  if (!filter) return true;
  for (const name in filter) {
    const want = filter[name as TagName];
    if (want !== undefined && tags[name as TagName] !== want) return false;
  }
  return true;
}
