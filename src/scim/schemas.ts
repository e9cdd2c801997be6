/**
 * The SCIM schemas scimflow serves (RFC 7643 §4, §8.7.1) and the machinery that resolves
 * attribute names against them. A resource type is data — a core schema plus extensions —
 * so Users and Groups go through the same code everywhere.
 */
import type { AttrPath } from './filter-ast.js';
import type { AttributeResolver } from './filter-eval.js';

export type AttributeType =
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'binary'
  | 'reference'
  | 'complex';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

/** RFC 7643 §7 attribute definition, exactly as `/Schemas` serves it. */
export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

export interface ResourceType {
  /** both the ResourceType's `id` and `name` (RFC 7643 §6) */
  readonly name: 'User' | 'Group';
  readonly endpoint: string;
  readonly description: string;
  readonly schema: SchemaDefinition;
  readonly extensions: readonly { readonly schema: SchemaDefinition; readonly required: boolean }[];
  /**
   * A multi-valued attribute kept as rows by storage instead of inside the resource
   * document (Group `members`): parsing and PATCH hand it back separately.
   */
  readonly rowsAttribute?: string;
}

export const USER_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_SCHEMA_ID = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const SCHEMA_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
export const RESOURCE_TYPE_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';

type Characteristics = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description' | 'subAttributes'>>;

/** RFC 7643 §2.2 defaults: single-valued, optional, case-insensitive, readWrite, default, none. */
function attribute(
  name: string,
  type: AttributeType,
  description: string,
  characteristics: Characteristics = {},
): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...characteristics,
  };
}

const text = (name: string, description: string, characteristics?: Characteristics) =>
  attribute(name, 'string', description, characteristics);

function complex(
  name: string,
  description: string,
  subAttributes: readonly AttributeDefinition[],
  characteristics: Characteristics = {},
): AttributeDefinition {
  return { ...attribute(name, 'complex', description, characteristics), subAttributes };
}

/**
 * The usual multi-valued shape of RFC 7643 §2.4: `value`, `display`, `type`, `primary`.
 */
function plural(
  name: string,
  description: string,
  value: { type?: AttributeType; description: string; referenceTypes?: readonly string[] },
  types: readonly string[] | undefined,
  characteristics: Characteristics = {},
): AttributeDefinition {
  return complex(
    name,
    description,
    [
      attribute('value', value.type ?? 'string', value.description, {
        ...(value.referenceTypes ? { referenceTypes: value.referenceTypes } : {}),
      }),
      text('display', 'A human-readable name, primarily used for display purposes.'),
      text('type', `A label indicating the attribute's function.`, types ? { canonicalValues: types } : {}),
      attribute(
        'primary',
        'boolean',
        `A Boolean value indicating the 'primary' or preferred attribute value for this attribute. The primary attribute value 'true' MUST appear no more than once.`,
      ),
    ],
    { multiValued: true, ...characteristics },
  );
}

const userSchema: SchemaDefinition = {
  id: USER_SCHEMA_ID,
  name: 'User',
  description: 'User Account',
  attributes: [
    text(
      'userName',
      'Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Each User MUST include a non-empty userName value. This identifier MUST be unique across the service provider\'s entire set of Users. REQUIRED.',
      { required: true, uniqueness: 'server' },
    ),
    complex(`name`, `The components of the user's real name.`, [
      text('formatted', `The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III').`),
      text('familyName', `The family name of the User, or last name in most Western languages (e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III').`),
      text('givenName', `The given name of the User, or first name in most Western languages (e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III').`),
      text('middleName', `The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J Jensen, III').`),
      text('honorificPrefix', `The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III').`),
      text('honorificSuffix', `The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III').`),
    ]),
    text('displayName', 'The name of the User, suitable for display to end-users. The name SHOULD be the full name of the User being described, if known.'),
    text('nickName', `The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'.`),
    attribute('profileUrl', 'reference', `A fully qualified URL pointing to a page representing the User's online profile.`, {
      referenceTypes: ['external'],
    }),
    text('title', `The user's title, such as "Vice President".`),
    text('userType', `Used to identify the relationship between the organization and the user. Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', 'External', and 'Unknown', but any value may be used.`),
    text('preferredLanguage', `Indicates the User's preferred written or spoken language. Generally used for selecting a localized user interface; e.g., 'en_US' specifies the language English and country US.`),
    text('locale', `Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations.`),
    text('timezone', `The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'.`),
    attribute('active', 'boolean', `A Boolean value indicating the User's administrative status.`),
    text(
      'password',
      `The User's cleartext password. This attribute is intended to be used as a means to specify an initial password when creating a new User or to reset an existing User's password.`,
      { mutability: 'writeOnly', returned: 'never' },
    ),
    plural('emails', 'Email addresses for the user. The value SHOULD be canonicalized by the service provider, e.g., \'bjensen@example.com\' instead of \'bjensen@EXAMPLE.COM\'. Canonical type values of \'work\', \'home\', and \'other\'.', {
      description: 'Email addresses for the user. The value SHOULD be canonicalized by the service provider.',
    }, ['work', 'home', 'other']),
    plural('phoneNumbers', `Phone numbers for the User. The value SHOULD be canonicalized by the service provider according to the format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'. Canonical type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.`, {
      description: 'Phone number of the User.',
    }, ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    plural('ims', 'Instant messaging addresses for the User.', { description: 'Instant messaging address for the User.' }, [
      'aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo',
    ]),
    plural('photos', 'URLs of photos of the User.', {
      type: 'reference',
      description: 'URL of a photo of the User.',
      referenceTypes: ['external'],
    }, ['photo', 'thumbnail']),
    complex('addresses', `A physical mailing address for this User. Canonical type values of 'work', 'home', and 'other'.`, [
      text('formatted', 'The full mailing address, formatted for display or use with a mailing label. This attribute MAY contain newlines.'),
      text('streetAddress', 'The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information. This attribute MAY contain newlines.'),
      text('locality', 'The city or locality component.'),
      text('region', 'The state or region component.'),
      text('postalCode', 'The zip code or postal code component.'),
      text('country', 'The country name component.'),
      text('type', `A label indicating the attribute's function, e.g., 'work' or 'home'.`, { canonicalValues: ['work', 'home', 'other'] }),
      attribute('primary', 'boolean', `A Boolean value indicating the 'primary' or preferred address. The primary attribute value 'true' MUST appear no more than once.`),
    ], { multiValued: true }),
    complex('groups', `A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.`, [
      text('value', `The identifier of the User's group.`, { mutability: 'readOnly' }),
      attribute('$ref', 'reference', `The URI of the corresponding 'Group' resource to which the user belongs.`, {
        referenceTypes: ['User', 'Group'],
        mutability: 'readOnly',
      }),
      text('display', 'A human-readable name, primarily used for display purposes.', { mutability: 'readOnly' }),
      text('type', `A label indicating the attribute's function, e.g., 'direct' or 'indirect'.`, {
        canonicalValues: ['direct', 'indirect'],
        mutability: 'readOnly',
      }),
    ], { multiValued: true, mutability: 'readOnly' }),
    plural('entitlements', 'A list of entitlements for the User that represent a thing the User has.', {
      description: 'The value of an entitlement.',
    }, undefined),
    plural('roles', `A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.`, {
      description: 'The value of a role.',
    }, undefined),
    plural('x509Certificates', 'A list of certificates issued to the User.', {
      type: 'binary',
      description: 'The value of an X.509 certificate.',
    }, undefined),
  ],
};

const enterpriseUserSchema: SchemaDefinition = {
  id: ENTERPRISE_USER_SCHEMA_ID,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    text('employeeNumber', 'Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization.'),
    text('costCenter', 'Identifies the name of a cost center.'),
    text('organization', 'Identifies the name of an organization.'),
    text('division', 'Identifies the name of a division.'),
    text('department', 'Identifies the name of a department.'),
    complex('manager', `The User's manager. A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.`, [
      text('value', `The id of the SCIM resource representing the User's manager. REQUIRED.`),
      attribute('$ref', 'reference', `The URI of the SCIM resource representing the User's manager. REQUIRED.`, {
        referenceTypes: ['User'],
      }),
      text('displayName', `The displayName of the User's manager. OPTIONAL and READ-ONLY.`, { mutability: 'readOnly' }),
    ]),
  ],
};

const groupSchema: SchemaDefinition = {
  id: GROUP_SCHEMA_ID,
  name: 'Group',
  description: 'Group',
  attributes: [
    // RFC 7643 leaves displayName optional and non-unique; Entra matches groups by it, so
    // an ambiguous or missing name would break its matching step.
    text('displayName', 'A human-readable name for the Group. REQUIRED.', { required: true, uniqueness: 'server' }),
    complex('members', 'A list of members of the Group.', [
      text('value', 'Identifier of the member of this Group.', { mutability: 'immutable' }),
      attribute('$ref', 'reference', 'The URI corresponding to a SCIM resource that is a member of this Group.', {
        referenceTypes: ['User', 'Group'],
        mutability: 'immutable',
      }),
      text('display', 'A human-readable name of the member, primarily used for display purposes.', { mutability: 'readOnly' }),
      text('type', `A label indicating the type of resource, e.g., 'User' or 'Group'.`, {
        canonicalValues: ['User', 'Group'],
        mutability: 'immutable',
      }),
    ], { multiValued: true }),
  ],
};

/**
 * RFC 7643 §3.1 common attributes: part of every resource but of no schema, so `/Schemas`
 * does not list them; names resolve to them as if they were core attributes.
 */
const commonAttributes: readonly AttributeDefinition[] = [
  text('id', 'A unique identifier for a SCIM resource as defined by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  text('externalId', 'A String that is an identifier for the resource as defined by the provisioning client.', {
    caseExact: true,
  }),
  complex('meta', 'A complex attribute containing resource metadata.', [
    text('resourceType', 'The name of the resource type of the resource.', { caseExact: true, mutability: 'readOnly' }),
    attribute('created', 'dateTime', 'The "DateTime" that the resource was added to the service provider.', { mutability: 'readOnly' }),
    attribute('lastModified', 'dateTime', 'The most recent DateTime that the details of this resource were updated at the service provider.', { mutability: 'readOnly' }),
    attribute('location', 'reference', 'The URI of the resource being returned.', { caseExact: true, mutability: 'readOnly', referenceTypes: ['uri'] }),
    text('version', 'The version of the resource being returned.', { caseExact: true, mutability: 'readOnly' }),
  ], { mutability: 'readOnly' }),
];

export const USER: ResourceType = {
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: userSchema,
  extensions: [{ schema: enterpriseUserSchema, required: false }],
};

export const GROUP: ResourceType = {
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: groupSchema,
  extensions: [],
  rowsAttribute: 'members',
};

export const RESOURCE_TYPES: readonly ResourceType[] = [USER, GROUP];
export const SCHEMAS: readonly SchemaDefinition[] = [userSchema, enterpriseUserSchema, groupSchema];

// ---------------------------------------------------------------------------------------
// Discovery representations (RFC 7643 §6, §7)

/** A `/Schemas` entry; `baseUrl` is the SCIM base (…/scim/v2), used for `meta.location`. */
export function schemaRepresentation(schema: SchemaDefinition, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA_SCHEMA_ID],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

/** A `/ResourceTypes` entry. */
export function resourceTypeRepresentation(type: ResourceType, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA_ID],
    id: type.name,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema.id,
    schemaExtensions: type.extensions.map((e) => ({ schema: e.schema.id, required: e.required })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${type.name}` },
  };
}

// ---------------------------------------------------------------------------------------
// Name resolution

/**
 * Where an attribute lives. Core attributes sit at the top of a resource; an extension's
 * attributes sit in an object under the extension's URN (`extension: true`).
 */
export interface AttributeLocation {
  /** URN of the schema that defines the attribute, in canonical case */
  readonly schema: string;
  readonly extension: boolean;
  /** the top-level attribute (canonical name in `attribute.name`) */
  readonly attribute: AttributeDefinition;
  /** the sub-attribute, when the name points into a complex attribute */
  readonly sub?: AttributeDefinition;
}

/** The definition a location points at: the sub-attribute's if any, else the attribute's. */
export const definitionAt = (location: AttributeLocation): AttributeDefinition =>
  location.sub ?? location.attribute;

/** Canonical dotted name for messages: `emails.value`, `urn:…:User:manager.value`. */
export function locationName(location: AttributeLocation): string {
  const base = location.extension ? `${location.schema}:${location.attribute.name}` : location.attribute.name;
  return location.sub ? `${base}.${location.sub.name}` : base;
}

interface SchemaIndex {
  readonly schema: SchemaDefinition;
  readonly extension: boolean;
  readonly byName: ReadonlyMap<string, AttributeDefinition>;
}

const indexes = new WeakMap<ResourceType, readonly SchemaIndex[]>();

function schemaIndexes(type: ResourceType): readonly SchemaIndex[] {
  let found = indexes.get(type);
  if (!found) {
    const byName = (attributes: readonly AttributeDefinition[]) =>
      new Map(attributes.map((a) => [a.name.toLowerCase(), a] as const));
    found = [
      { schema: type.schema, extension: false, byName: byName([...commonAttributes, ...type.schema.attributes]) },
      ...type.extensions.map((e) => ({ schema: e.schema, extension: true, byName: byName(e.schema.attributes) })),
    ];
    indexes.set(type, found);
  }
  return found;
}

const findSub = (parent: AttributeDefinition, name: string) =>
  parent.subAttributes?.find((s) => s.name.toLowerCase() === name.toLowerCase());

/** The resource type's schema (core or extension) with this URN, any case. */
export function findSchema(type: ResourceType, urn: string): { schema: SchemaDefinition; extension: boolean } | undefined {
  const wanted = urn.toLowerCase();
  return schemaIndexes(type).find((i) => i.schema.id.toLowerCase() === wanted);
}

/**
 * Resolves a parsed attribute path against a resource type: case-insensitive, URN-aware
 * (`urn:…:enterprise:2.0:User:manager.value`). An unqualified name is looked up in the
 * core schema first, then in the extensions, since clients commonly leave extension
 * attributes unqualified. With `parent`, `path.attr` names a sub-attribute of the
 * parent's attribute — the paths inside a value filter such as `emails[type eq "work"]`.
 * Returns undefined for names no schema defines.
 */
export function resolveAttribute(
  type: ResourceType,
  path: AttrPath,
  parent?: AttributeLocation,
): AttributeLocation | undefined {
  if (parent) {
    if (parent.sub || path.sub) return undefined;
    const sub = findSub(parent.attribute, path.attr);
    return sub ? { ...parent, sub } : undefined;
  }
  const candidates = path.uri
    ? schemaIndexes(type).filter((i) => i.schema.id.toLowerCase() === path.uri!.toLowerCase())
    : schemaIndexes(type);
  for (const index of candidates) {
    const attribute = index.byName.get(path.attr.toLowerCase());
    if (!attribute) continue;
    const location = { schema: index.schema.id, extension: index.extension, attribute };
    if (path.sub === undefined) return location;
    const sub = findSub(attribute, path.sub);
    return sub ? { ...location, sub } : undefined;
  }
  return undefined;
}

/** What a JSON key or `attributes=` name refers to. */
export type NamedTarget =
  | { readonly kind: 'attribute'; readonly location: AttributeLocation }
  /** a whole extension object, named by its URN */
  | { readonly kind: 'extension'; readonly schema: string };

/**
 * Resolves a name as it appears as a JSON key or in `attributes=`: `userName`,
 * `name.givenName`, `urn:…:enterprise:2.0:User:employeeNumber`, `urn:…:enterprise:2.0:User`.
 * URNs contain dots (`2.0`), so the schema URN is matched first and only the rest is split.
 */
export function resolveName(type: ResourceType, name: string): NamedTarget | undefined {
  let rest = name;
  let uri: string | undefined;
  if (name.toLowerCase().startsWith('urn:')) {
    const lower = name.toLowerCase();
    const index = schemaIndexes(type)
      .filter((i) => lower === i.schema.id.toLowerCase() || lower.startsWith(`${i.schema.id.toLowerCase()}:`))
      .sort((a, b) => b.schema.id.length - a.schema.id.length)[0];
    if (!index) return undefined;
    if (name.length === index.schema.id.length) {
      return index.extension ? { kind: 'extension', schema: index.schema.id } : undefined;
    }
    uri = index.schema.id;
    rest = name.slice(index.schema.id.length + 1);
  }
  const dot = rest.indexOf('.');
  const path: AttrPath = dot < 0 ? { attr: rest } : { attr: rest.slice(0, dot), sub: rest.slice(dot + 1) };
  if (uri) path.uri = uri;
  const location = resolveAttribute(type, path);
  return location ? { kind: 'attribute', location } : undefined;
}

// every resource read walks these, so they are made once per type
const locations = new WeakMap<ResourceType, readonly AttributeLocation[]>();

/**
 * Every top-level attribute of a resource type with its location, in the order a
 * resource is written: common attributes (`id`, `externalId`, `meta`), core, extensions.
 */
export function attributeLocations(type: ResourceType): readonly AttributeLocation[] {
  let found = locations.get(type);
  if (!found) {
    found = schemaIndexes(type).flatMap((index) =>
      [...index.byName.values()].map((attribute) => ({ schema: index.schema.id, extension: index.extension, attribute })));
    locations.set(type, found);
  }
  return found;
}

/** What filter evaluation (`matchesFilter`, `compileFilter`) needs to know about names. */
export function attributeResolver(type: ResourceType): AttributeResolver {
  return (path, parent) => {
    const parentLocation = parent ? resolveAttribute(type, parent) : undefined;
    if (parent && !parentLocation) return undefined;
    const location = resolveAttribute(type, path, parentLocation);
    if (!location) return undefined;
    const definition = definitionAt(location);
    return {
      type: definition.type,
      caseExact: definition.caseExact,
      multiValued: definition.multiValued,
      ...(location.extension ? { extension: location.schema } : {}),
    };
  };
}

export function resourceTypeByName(name: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.name.toLowerCase() === name.toLowerCase());
}
