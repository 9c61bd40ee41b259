import { ErrorCode } from '@plaza/protocol';
import type { Department, OpeningHours, Topic } from '@plaza/protocol';
import type { Kysely, Selectable } from 'kysely';
import { PlazaError } from '../errors.js';
import type {
  DepartmentPatch,
  DirectoryPage,
  DirectoryPageQuery,
  DirectoryRecords,
  NewDepartment,
  NewTopic,
  TopicPatch,
} from './DirectoryRecords.js';
import { nowIso } from './ids.js';
import type { ChatDatabase, DepartmentsTable, TopicsTable } from './schema.js';

type Db = Kysely<ChatDatabase>;
type DepartmentRow = Selectable<DepartmentsTable>;
type TopicRow = Selectable<TopicsTable>;

function departmentNotFound(departmentId: string): PlazaError {
  return new PlazaError(ErrorCode.DEPARTMENT_NOT_FOUND, `no department ${departmentId}`);
}

function topicNotFound(topicId: string): PlazaError {
  return new PlazaError(ErrorCode.TOPIC_NOT_FOUND, `no topic ${topicId}`);
}

function toDepartment(row: DepartmentRow, agentIds: string[]): Department {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    openingHours: row.opening_hours === null ? null : (JSON.parse(row.opening_hours) as OpeningHours),
    firstResponseSlaSec: row.first_response_sla_sec,
    agentIds,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toTopic(row: TopicRow): Topic {
  return { id: row.id, name: row.name, description: row.description, departmentId: row.department_id };
}

/** The agents of the given departments, oldest first (ties by user id), by department id. */
async function agentsOf(db: Db, departmentIds: readonly string[]): Promise<Map<string, string[]>> {
  const byDepartment = new Map<string, string[]>(departmentIds.map((id) => [id, []]));
  if (departmentIds.length === 0) return byDepartment;
  const rows = await db
    .selectFrom('department_agents')
    .select(['department_id', 'user_id'])
    .where('department_id', 'in', departmentIds)
    .orderBy('added_at')
    .orderBy('user_id')
    .execute();
  for (const row of rows) byDepartment.get(row.department_id)?.push(row.user_id);
  return byDepartment;
}

async function withAgents(db: Db, rows: readonly DepartmentRow[]): Promise<Department[]> {
  const agents = await agentsOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toDepartment(r, agents.get(r.id) ?? []));
}

async function departmentRow(db: Db, departmentId: string): Promise<DepartmentRow | undefined> {
  return db.selectFrom('departments').selectAll().where('id', '=', departmentId).executeTakeFirst();
}

/** Rows after `after`, one more than `limit` so we know whether a next page exists. */
function page<T extends { id: string }>(rows: T[], limit: number | undefined): { rows: T[]; next: string | null } {
  if (limit === undefined || rows.length <= limit) return { rows, next: null };
  const kept = rows.slice(0, limit);
  return { rows: kept, next: kept[kept.length - 1]?.id ?? null };
}

/**
 * {@link DirectoryRecords} on Kysely (SQLite now; the queries are portable). Each mutating method
 * is one transaction, so an id check and the insert that relies on it cannot interleave with
 * another writer.
 */
export class KyselyDirectoryRecords implements DirectoryRecords {
  readonly #open: () => Promise<Db>;

  /** @param open - resolves with the migrated database (throws `UNAVAILABLE` once the store is closed) */
  constructor(open: () => Promise<Db>) {
    this.#open = open;
  }

  async #tx<T>(fn: (trx: Db, now: string) => Promise<T>): Promise<T> {
    const db = await this.#open();
    return db.transaction().execute((trx) => fn(trx, nowIso()));
  }

  createDepartment(input: NewDepartment): Promise<Department> {
    return this.#tx(async (trx, now) => {
      if (await departmentRow(trx, input.id)) throw new PlazaError(ErrorCode.CONFLICT, `department ${input.id} already exists`);
      const row: DepartmentRow = {
        id: input.id,
        name: input.name,
        description: input.description,
        opening_hours: input.openingHours === null ? null : JSON.stringify(input.openingHours),
        first_response_sla_sec: input.firstResponseSlaSec,
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('departments').values(row).execute();
      const agentIds = [...new Set(input.agentIds)];
      if (agentIds.length > 0) {
        await trx
          .insertInto('department_agents')
          .values(agentIds.map((userId) => ({ department_id: input.id, user_id: userId, added_at: now })))
          .execute();
      }
      return toDepartment(row, [...agentIds].sort());
    });
  }

  async listDepartments(query: DirectoryPageQuery = {}): Promise<DirectoryPage<Department>> {
    const db = await this.#open();
    let q = db.selectFrom('departments').selectAll().orderBy('id');
    if (query.after !== undefined) q = q.where('id', '>', query.after);
    if (query.limit !== undefined) q = q.limit(query.limit + 1);
    const { rows, next } = page(await q.execute(), query.limit);
    return { items: await withAgents(db, rows), next };
  }

  async getDepartment(departmentId: string): Promise<Department | null> {
    const db = await this.#open();
    const row = await departmentRow(db, departmentId);
    return row ? ((await withAgents(db, [row]))[0] ?? null) : null;
  }

  updateDepartment(departmentId: string, patch: DepartmentPatch): Promise<Department> {
    return this.#tx(async (trx, now) => {
      if (!(await departmentRow(trx, departmentId))) throw departmentNotFound(departmentId);
      await trx
        .updateTable('departments')
        .set({
          updated_at: now,
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.openingHours !== undefined
            ? { opening_hours: patch.openingHours === null ? null : JSON.stringify(patch.openingHours) }
            : {}),
          ...(patch.firstResponseSlaSec !== undefined ? { first_response_sla_sec: patch.firstResponseSlaSec } : {}),
        })
        .where('id', '=', departmentId)
        .execute();
      const row = await departmentRow(trx, departmentId);
      if (!row) throw departmentNotFound(departmentId);
      return (await withAgents(trx, [row]))[0] as Department;
    });
  }

  deleteDepartment(departmentId: string): Promise<boolean> {
    return this.#tx(async (trx) => {
      if (!(await departmentRow(trx, departmentId))) return false;
      const topic = await trx.selectFrom('topics').select('id').where('department_id', '=', departmentId).orderBy('id').executeTakeFirst();
      if (topic) {
        throw new PlazaError(ErrorCode.CONFLICT, `topic ${topic.id} routes to department ${departmentId}: move or delete its topics first`);
      }
      const open = await trx
        .selectFrom('requests')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('department_id', '=', departmentId)
        .where('status', '!=', 'resolved')
        .executeTakeFirstOrThrow();
      if (Number(open.n) > 0) {
        throw new PlazaError(ErrorCode.CONFLICT, `department ${departmentId} has ${open.n} open request(s): resolve or transfer them first`);
      }
      await trx.deleteFrom('department_agents').where('department_id', '=', departmentId).execute();
      await trx.deleteFrom('departments').where('id', '=', departmentId).execute();
      return true;
    });
  }

  addAgents(departmentId: string, userIds: readonly string[]): Promise<string[]> {
    return this.#tx(async (trx, now) => {
      if (!(await departmentRow(trx, departmentId))) throw departmentNotFound(departmentId);
      const wanted = [...new Set(userIds)];
      if (wanted.length === 0) return [];
      const existing = await trx
        .selectFrom('department_agents')
        .select('user_id')
        .where('department_id', '=', departmentId)
        .where('user_id', 'in', wanted)
        .execute();
      const already = new Set(existing.map((r) => r.user_id));
      const added = wanted.filter((id) => !already.has(id));
      if (added.length > 0) {
        await trx
          .insertInto('department_agents')
          .values(added.map((userId) => ({ department_id: departmentId, user_id: userId, added_at: now })))
          .execute();
      }
      return added;
    });
  }

  removeAgent(departmentId: string, userId: string): Promise<boolean> {
    return this.#tx(async (trx) => {
      if (!(await departmentRow(trx, departmentId))) throw departmentNotFound(departmentId);
      const result = await trx
        .deleteFrom('department_agents')
        .where('department_id', '=', departmentId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async listAgents(departmentId: string): Promise<string[]> {
    const db = await this.#open();
    if (!(await departmentRow(db, departmentId))) throw departmentNotFound(departmentId);
    return (await agentsOf(db, [departmentId])).get(departmentId) ?? [];
  }

  async isAgent(departmentId: string, userId: string): Promise<boolean> {
    const db = await this.#open();
    const row = await db
      .selectFrom('department_agents')
      .select('user_id')
      .where('department_id', '=', departmentId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async departmentsOfAgent(userId: string): Promise<Department[]> {
    const db = await this.#open();
    const rows = await db
      .selectFrom('departments')
      .innerJoin('department_agents', 'department_agents.department_id', 'departments.id')
      .selectAll('departments')
      .where('department_agents.user_id', '=', userId)
      .orderBy('departments.id')
      .execute();
    return withAgents(db, rows);
  }

  createTopic(input: NewTopic): Promise<Topic> {
    return this.#tx(async (trx, now) => {
      if (await trx.selectFrom('topics').select('id').where('id', '=', input.id).executeTakeFirst()) {
        throw new PlazaError(ErrorCode.CONFLICT, `topic ${input.id} already exists`);
      }
      if (!(await departmentRow(trx, input.departmentId))) throw departmentNotFound(input.departmentId);
      const row: TopicRow = {
        id: input.id,
        name: input.name,
        description: input.description,
        department_id: input.departmentId,
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('topics').values(row).execute();
      return toTopic(row);
    });
  }

  async listTopics(query: DirectoryPageQuery & { departmentId?: string } = {}): Promise<DirectoryPage<Topic>> {
    const db = await this.#open();
    let q = db.selectFrom('topics').selectAll().orderBy('id');
    if (query.departmentId !== undefined) q = q.where('department_id', '=', query.departmentId);
    if (query.after !== undefined) q = q.where('id', '>', query.after);
    if (query.limit !== undefined) q = q.limit(query.limit + 1);
    const { rows, next } = page(await q.execute(), query.limit);
    return { items: rows.map(toTopic), next };
  }

  async getTopic(topicId: string): Promise<Topic | null> {
    const db = await this.#open();
    const row = await db.selectFrom('topics').selectAll().where('id', '=', topicId).executeTakeFirst();
    return row ? toTopic(row) : null;
  }

  updateTopic(topicId: string, patch: TopicPatch): Promise<Topic> {
    return this.#tx(async (trx, now) => {
      if (!(await trx.selectFrom('topics').select('id').where('id', '=', topicId).executeTakeFirst())) throw topicNotFound(topicId);
      if (patch.departmentId !== undefined && !(await departmentRow(trx, patch.departmentId))) throw departmentNotFound(patch.departmentId);
      await trx
        .updateTable('topics')
        .set({
          updated_at: now,
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.departmentId !== undefined ? { department_id: patch.departmentId } : {}),
        })
        .where('id', '=', topicId)
        .execute();
      const row = await trx.selectFrom('topics').selectAll().where('id', '=', topicId).executeTakeFirstOrThrow();
      return toTopic(row);
    });
  }

  deleteTopic(topicId: string): Promise<boolean> {
    return this.#tx(async (trx) => {
      const result = await trx.deleteFrom('topics').where('id', '=', topicId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }
}
