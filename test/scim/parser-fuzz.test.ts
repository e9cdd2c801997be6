import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttrPath, CompareOp, Filter, FilterValue } from '../../src/scim/filter-ast.js';
import { ScimError, type ScimType } from '../../src/scim/errors.js';
import { parseAttributeList, parseFilter, parsePatchPath } from '../../src/scim/filter.js';

/** Per-input bound, loose for a shared machine: parsing is linear, so 10,000 characters take a few ms. */
const MAX_MS = 200;

/** The call returns, or throws a 400 ScimError of one of `allowed` types — nothing else, and fast. */
function behaves(call: () => unknown, allowed: readonly ScimType[]): void {
  const started = performance.now();
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    const scim = error as ScimError;
    expect(scim.status).toBe(400);
    expect(allowed).toContain(scim.scimType);
    expect(scim.detail.length).toBeLessThan(500);
  }
  expect(performance.now() - started).toBeLessThan(MAX_MS);
}

const URNS = [
  'urn:ietf:params:scim:schemas:core:2.0:User',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  'urn:ietf:params:scim:schemas:core:2.0:Group',
];

/** Pieces of the filter and path languages, valid and broken, so random strings get deep into the parser. */
const filterToken = fc.oneof(
  fc.constantFrom(
    'userName', 'emails', 'members', 'name.givenName', 'value', 'type', '$ref', 'meta.lastModified',
    ...URNS.map((u) => `${u}:`), `${URNS[1]}:manager.value`, 'urn:', ':', 'urn:x:y',
    'eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'EQ', 'Pr', 'xx',
    'and', 'or', 'not', 'AND', 'Or', 'NOT',
    '(', ')', '[', ']', '.', ',', '"', '\\', '\\"', '\\u', '\\u00e9', '"work"', '"a\\"b"', '""',
    'true', 'False', 'null', '0', '-1', '1.5', '1e3', '-', '1e999', '01',
    ' ', '  ', '\t', '\n', '@', '=', '!', '\u0000', '日本', '\u{1F600}',
  ),
  fc.stringMatching(/^[A-Za-z$][A-Za-z0-9_$:.-]{0,12}$/),
  fc.string({ maxLength: 4 }),
);

const tokenSoup = fc
  .array(fc.tuple(filterToken, fc.constantFrom('', ' ', ' ', '  ')), { maxLength: 40 })
  .map((parts) => parts.map(([token, space]) => token + space).join(''));

const anyText = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }));

describe('parsers never fail with anything but a 400 SCIM error', () => {
  it('parseFilter on arbitrary strings', () => {
    fc.assert(fc.property(anyText, (text) => behaves(() => parseFilter(text), ['invalidFilter'])), { numRuns: 3000 });
  });

  it('parseFilter on strings made of filter tokens', () => {
    fc.assert(fc.property(tokenSoup, (text) => behaves(() => parseFilter(text), ['invalidFilter'])), { numRuns: 4000 });
  });

  it('parsePatchPath on arbitrary strings and filter tokens', () => {
    fc.assert(fc.property(fc.oneof(anyText, tokenSoup), (text) =>
      behaves(() => parsePatchPath(text), ['invalidPath', 'invalidFilter'])), { numRuns: 4000 });
  });

  it('parseAttributeList on arbitrary strings and filter tokens', () => {
    fc.assert(fc.property(fc.oneof(anyText, tokenSoup), (text) =>
      behaves(() => parseAttributeList(text), ['invalidPath'])), { numRuns: 2000 });
  });

  it('stays fast on long adversarial repetitions up to the length limit', () => {
    const repeated = fc
      .tuple(fc.array(filterToken, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 10_000 }))
      .map(([tokens, n]) => tokens.join(' ').repeat(n).slice(0, 10_000));
    fc.assert(fc.property(repeated, (text) => {
      behaves(() => parseFilter(text), ['invalidFilter']);
      behaves(() => parsePatchPath(text), ['invalidPath', 'invalidFilter']);
    }), { numRuns: 300 });
  });
});

// ---- round trip: any filter the grammar allows, printed, parses back to itself ----------

const attrName = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/) },
  { weight: 1, arbitrary: fc.constantFrom('$ref', 'not', 'and', 'or', 'pr', 'eq', 'true', 'null') },
);
const resourcePath: fc.Arbitrary<AttrPath> = fc.record(
  { uri: fc.constantFrom(...URNS, 'urn:example:ext:1.0'), attr: attrName, sub: attrName },
  { requiredKeys: ['attr'] },
);
const elementPath: fc.Arbitrary<AttrPath> = attrName.map((attr) => ({ attr }));
const filterValue: fc.Arbitrary<FilterValue> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
  fc.boolean(),
  fc.constant(null),
);
const compareOp = fc.constantFrom<CompareOp>('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le');

function filterArbitrary(path: fc.Arbitrary<AttrPath>, element: fc.Arbitrary<Filter> | undefined): fc.Arbitrary<Filter> {
  return fc.letrec<{ filter: Filter }>((tie) => {
    const leaf = fc.oneof(
      fc.record({ kind: fc.constant('compare' as const), path, op: compareOp, value: filterValue }),
      fc.record({ kind: fc.constant('present' as const), path }),
      ...(element
        ? [fc.record({ kind: fc.constant('valuePath' as const), path: resourcePath.map(({ sub: _, ...p }) => p), filter: element })]
        : []),
    );
    return {
      filter: fc.oneof(
        { maxDepth: 4, depthSize: 'small' },
        leaf,
        fc.record({ kind: fc.constant('and' as const), left: tie('filter'), right: tie('filter') }),
        fc.record({ kind: fc.constant('or' as const), left: tie('filter'), right: tie('filter') }),
        fc.record({ kind: fc.constant('not' as const), filter: tie('filter') }),
      ),
    };
  }).filter;
}

const elementFilter = filterArbitrary(elementPath, undefined);
const anyFilter = filterArbitrary(resourcePath, elementFilter);

const printPath = (p: AttrPath) => `${p.uri ? `${p.uri}:` : ''}${p.attr}${p.sub ? `.${p.sub}` : ''}`;

/** Prints with a random operator case and redundant parentheses, which must not matter. */
function print(filter: Filter, upper: boolean): string {
  const word = (w: string) => (upper ? w.toUpperCase() : w);
  switch (filter.kind) {
    case 'compare': {
      const value = typeof filter.value === 'string' ? JSON.stringify(filter.value) : word(String(filter.value));
      return `${printPath(filter.path)} ${word(filter.op)} ${value}`;
    }
    case 'present': return `${printPath(filter.path)} ${word('pr')}`;
    case 'and': return `(${print(filter.left, upper)}) ${word('and')} (${print(filter.right, upper)})`;
    case 'or': return `(${print(filter.left, upper)}) ${word('or')} (${print(filter.right, upper)})`;
    case 'not': return `${word('not')} (${print(filter.filter, upper)})`;
    case 'valuePath': return `${printPath(filter.path)}[${print(filter.filter, upper)}]`;
  }
}

describe('parseFilter round trip', () => {
  it('parses every printed filter back into the same tree, whatever the keyword case', () => {
    fc.assert(fc.property(anyFilter, fc.boolean(), (filter, upper) => {
      expect(parseFilter(print(filter, upper))).toEqual(filter);
    }), { numRuns: 2000 });
  });

  it('parses every printed PATCH path back into its parts', () => {
    const patchPath = fc.record(
      { path: resourcePath.map(({ sub: _, ...p }) => p), filter: elementFilter, valueSub: attrName },
      { requiredKeys: ['path', 'filter'] },
    );
    fc.assert(fc.property(patchPath, (p) => {
      const text = `${printPath(p.path)}[${print(p.filter, false)}]${p.valueSub ? `.${p.valueSub}` : ''}`;
      expect(parsePatchPath(text)).toEqual(p);
    }), { numRuns: 1000 });
  });
});
