/**
 * The shapes every SCIM filter and PATCH path is parsed into (RFC 7644 §3.4.2.2, §3.5.2).
 * Names are kept as written; resolving them against a schema (case, URN, defaults) is the
 * consumer's job, so the parser stays schema-free.
 */

/** `urn:…:User:name.givenName` → { uri: 'urn:…:User', attr: 'name', sub: 'givenName' } */
export interface AttrPath {
  uri?: string;
  attr: string;
  sub?: string;
}

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterValue = string | number | boolean | null;

export type Filter =
  | { kind: 'compare'; path: AttrPath; op: CompareOp; value: FilterValue }
  | { kind: 'present'; path: AttrPath }
  | { kind: 'and'; left: Filter; right: Filter }
  | { kind: 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  /**
   * `emails[type eq "work" and value co "@x"]`: some element of the multi-valued `path`
   * satisfies `filter`, whose paths name sub-attributes of that element (`{ attr: 'type' }`).
   * Entra's `emails[type eq "work"].value eq "a@x"` is parsed into the same node with the
   * trailing comparison ANDed into the element filter.
   */
  | { kind: 'valuePath'; path: AttrPath; filter: Filter };

/**
 * A PATCH operation's target: `members`, `name.givenName`,
 * `emails[type eq "work"].value`, `members[value eq "…"]`, `urn:…:User:manager`.
 */
export interface PatchPath {
  path: AttrPath;
  /** element filter of a multi-valued attribute */
  filter?: Filter;
  /** sub-attribute after the element filter (`.value` in `emails[type eq "work"].value`) */
  valueSub?: string;
}
