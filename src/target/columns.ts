/**
 * The attributes copied out of a stored resource into indexed columns. Pure, so the
 * repositories and the tests derive them the same way from the canonical resource JSON.
 */
export interface UserColumns {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  active: boolean | null;
  workEmail: string | null;
  workEmailsMultiple: boolean;
  nameFormatted: string | null;
}

export interface GroupColumns {
  displayName: string;
  externalId: string | null;
}

/** The column copies' keys, checked complete by the compiler: statements are built from them. */
export const USER_COLUMN_KEYS = Object.keys({
  userName: true, externalId: true, displayName: true, active: true, workEmail: true, workEmailsMultiple: true, nameFormatted: true,
} satisfies Record<keyof UserColumns, true>);

export const GROUP_COLUMN_KEYS = Object.keys({ displayName: true, externalId: true } satisfies Record<keyof GroupColumns, true>);

export function userColumns(resource: Record<string, unknown>): UserColumns {
  const workEmails = (Array.isArray(resource.emails) ? resource.emails : [])
    .filter((e): e is Record<string, unknown> => isObject(e) && typeof e.type === 'string' && e.type.toLowerCase() === 'work')
    .map((e) => e.value)
    .filter((v): v is string => typeof v === 'string');
  const name = isObject(resource.name) ? resource.name : {};
  return {
    userName: String(resource.userName),
    externalId: text(resource.externalId),
    displayName: text(resource.displayName),
    active: typeof resource.active === 'boolean' ? resource.active : null,
    workEmail: workEmails[0] ?? null,
    workEmailsMultiple: workEmails.length > 1,
    nameFormatted: text(name.formatted),
  };
}

export function groupColumns(resource: Record<string, unknown>): GroupColumns {
  return { displayName: String(resource.displayName), externalId: text(resource.externalId) };
}

function text(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
