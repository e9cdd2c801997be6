import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { directories } from '../db/directory.js';

export interface Directory {
  id: string;
  name: string;
}

export class DirectoryNameTaken extends Error {}

export async function createDirectory(db: Database, name: string): Promise<Directory> {
  const [row] = await db.insert(directories).values({ name }).onConflictDoNothing()
    .returning({ id: directories.id, name: directories.name });
  if (!row) throw new DirectoryNameTaken(`a directory named "${name}" already exists`);
  return row;
}

export async function getDirectory(db: Database, id: string): Promise<Directory | undefined> {
  const [row] = await db.select({ id: directories.id, name: directories.name }).from(directories).where(eq(directories.id, id));
  return row;
}

export async function listDirectories(db: Database): Promise<Array<Directory & { users: number; groups: number; applications: number }>> {
  const rows = await db.execute<{ id: string; name: string; users: string; groups: string; applications: string }>(sql`
    select d.id, d.name,
      (select count(*) from directory_users u where u.directory_id = d.id) as users,
      (select count(*) from directory_groups g where g.directory_id = d.id) as groups,
      (select count(*) from directory_applications a where a.directory_id = d.id) as applications
    from directories d order by d.created_at, d.id`);
  return rows.map((r) => ({ id: r.id, name: r.name, users: Number(r.users), groups: Number(r.groups), applications: Number(r.applications) }));
}
