import { and, asc, count, desc, eq, gt, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.js';
import { prepareNamed } from '../../db/named-statement.js';
import { companies, psAors, psAuths, psContacts, psEndpoints, sipDevices, users } from '../../db/schema/index.js';
import type { Actor } from '../../shared/actor.js';
import type { KeysetCursor } from '../../shared/pagination.js';
import type { Account } from '../auth/index.js';
import type { PjsipRows } from './sip-device.js';
import type { Device, DeviceSummary, User, UserFilter } from './users.js';
import { auditLog, type AuditRecordInput } from '../audit/index.js';

export type CompanyRow = typeof companies.$inferSelect;
type UserRow = typeof users.$inferSelect;
type DeviceRow = typeof sipDevices.$inferSelect;

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function afterCursor(createdAt: PgColumn, id: PgColumn, cursor: KeysetCursor | undefined): SQL {
  if (!cursor) return sql`true`;
  return or(gt(createdAt, cursor.createdAt), and(eq(createdAt, cursor.createdAt), gt(id, cursor.id))) ?? sql`true`;
}

export class UsersRepository {
  constructor(private readonly db: Db) {}

  /** Role changes, in the audit log, in the transaction of the change. */
  async recordAudit(input: AuditRecordInput): Promise<void> {
    await auditLog.record(this.db, input);
  }

  transaction<T>(fn: (repo: UsersRepository) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new UsersRepository(tx as unknown as Db)));
  }

  // ── companies ─────────────────────────────────────────────────────────────

  async insertCompany(row: typeof companies.$inferInsert): Promise<CompanyRow> {
    const [company] = await this.db.insert(companies).values(row).returning();
    if (!company) throw new Error('insert returned no company');
    return company;
  }

  /** Locks the company row: extension allocation for one company happens one at a time. */
  async lockCompany(companyId: string): Promise<CompanyRow | undefined> {
    const [company] = await this.db.select().from(companies).where(eq(companies.id, companyId)).for('update');
    return company;
  }

  async findSipPrefix(companyId: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ sipPrefix: companies.sipPrefix })
      .from(companies)
      .where(eq(companies.id, companyId));
    return row?.sipPrefix;
  }

  async countCompanies(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(companies);
    return row?.n ?? 0;
  }

  // ── accounts (what auth reads) ────────────────────────────────────────────

  async findAccountByEmail(email: string): Promise<Account | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.email, email));
    return row && toAccount(row);
  }

  async findAccountById(companyId: string, userId: string): Promise<Account | undefined> {
    const [row] = await this.db
      .select()
      .from(users)
      .where(and(eq(users.companyId, companyId), eq(users.id, userId)));
    return row && toAccount(row);
  }

  async recordLogin(actor: Actor, at: Date): Promise<void> {
    await this.db
      .update(users)
      .set({ lastLoginAt: at })
      .where(and(eq(users.companyId, actor.companyId), eq(users.id, actor.userId)));
  }

  async invalidateTokensBefore(actor: Actor, at: Date): Promise<void> {
    await this.db
      .update(users)
      .set({ tokensValidAfter: at })
      .where(and(eq(users.companyId, actor.companyId), eq(users.id, actor.userId)));
  }

  // ── users ─────────────────────────────────────────────────────────────────

  async insertUser(row: typeof users.$inferInsert): Promise<void> {
    await this.db.insert(users).values(row);
  }

  async updateUser(companyId: string, userId: string, patch: Partial<typeof users.$inferInsert>): Promise<void> {
    await this.db
      .update(users)
      .set(patch)
      .where(and(eq(users.companyId, companyId), eq(users.id, userId)));
  }

  async findUserRow(companyId: string, userId: string): Promise<UserRow | undefined> {
    const [row] = await this.db
      .select()
      .from(users)
      .where(and(eq(users.companyId, companyId), eq(users.id, userId)));
    return row;
  }

  async findUser(companyId: string, userId: string): Promise<User | undefined> {
    const [row] = await this.selectUsers()
      .where(and(eq(users.companyId, companyId), eq(users.id, userId)))
      .limit(1);
    return row && toUser(row.user, row.device);
  }

  /**
   * A page of users. The statement is built once per combination of filters (role, active,
   * search, cursor: sixteen at most) and kept as a prepared query with placeholders for the
   * values: drizzle building the select on every call was a tenth of `GET /api/users`
   * (bench:http), as it was for the inbox's list. It is a named statement, so on PostgreSQL
   * each pooled connection parses and plans it once, and its rows (arrays, in the order of
   * `selectUsers`' columns) are mapped by `toUserFromColumns` instead of drizzle's generic
   * per-field mapper, which was another tenth (bench:http, fifth pass).
   */
  async listUsers(companyId: string, filter: UserFilter, cursor: KeysetCursor | undefined, limit: number) {
    const shape = {
      role: filter.role !== undefined,
      isActive: filter.isActive !== undefined,
      search: Boolean(filter.search),
      cursor: cursor !== undefined,
    };
    const key = (shape.role ? 1 : 0) | (shape.isActive ? 2 : 0) | (shape.search ? 4 : 0) | (shape.cursor ? 8 : 0);
    let prepared = this.listQueries.get(key);
    if (!prepared) {
      prepared = this.prepareList(shape, key);
      this.listQueries.set(key, prepared);
    }
    return prepared.execute({
      companyId,
      role: filter.role ?? null,
      isActive: filter.isActive ?? null,
      pattern: filter.search ? `%${escapeLike(filter.search)}%` : null,
      cursorAt: cursor ? cursor.createdAt.toISOString() : null,
      cursorId: cursor ? cursor.id : null,
      limit: limit + 1,
    });
  }

  /** At most one per combination of filters, per repository (a transaction's makes its own). */
  private readonly listQueries = new Map<number, ReturnType<UsersRepository['prepareList']>>();

  private prepareList(shape: { role: boolean; isActive: boolean; search: boolean; cursor: boolean }, key: number) {
    const p = (name: string) => sql.placeholder(name);
    const conditions: SQL[] = [eq(users.companyId, p('companyId'))];
    if (shape.cursor) {
      // Rows strictly after the cursor in (created_at, id) order.
      conditions.push(sql`(${users.createdAt}, ${users.id}) > (${p('cursorAt')}::timestamptz, ${p('cursorId')}::uuid)`);
    }
    if (shape.role) conditions.push(eq(users.role, p('role')));
    if (shape.isActive) conditions.push(eq(users.isActive, p('isActive')));
    if (shape.search) {
      const match = or(ilike(users.name, p('pattern')), ilike(users.email, p('pattern')));
      if (match) conditions.push(match);
    }
    const query = this.selectUsers()
      .where(and(...conditions))
      .orderBy(asc(users.createdAt), asc(users.id))
      .limit(p('limit'))
      .toSQL();
    return prepareNamed(this.db, query, `switchboard_users_list_${key}`, (rows) => rows.map(toUserFromColumns));
  }

  async countActiveAdmins(companyId: string): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.companyId, companyId), eq(users.role, 'admin'), eq(users.isActive, true)));
    return row?.n ?? 0;
  }

  /**
   * Only the columns a User carries: the list read every column of both tables (the
   * password hash, the device's SIP settings), and on the embedded database decoding
   * them was a large part of `GET /api/users` (bench:http).
   */
  private selectUsers() {
    return this.db
      .select({
        user: {
          id: users.id,
          companyId: users.companyId,
          email: users.email,
          name: users.name,
          role: users.role,
          phone: users.phone,
          isActive: users.isActive,
          lastLoginAt: users.lastLoginAt,
          createdAt: users.createdAt,
          updatedAt: users.updatedAt,
        },
        device: {
          extension: sipDevices.extension,
          endpointId: sipDevices.endpointId,
          template: sipDevices.template,
          isActive: sipDevices.isActive,
        },
      })
      .from(users)
      .leftJoin(sipDevices, and(eq(sipDevices.userId, users.id), eq(sipDevices.isActive, true)));
  }

  // ── SIP devices ───────────────────────────────────────────────────────────

  async activeExtensions(companyId: string): Promise<number[]> {
    const rows = await this.db
      .select({ extension: sipDevices.extension })
      .from(sipDevices)
      .where(and(eq(sipDevices.companyId, companyId), eq(sipDevices.isActive, true)));
    return rows.map((r) => r.extension);
  }

  /** An agent's active device, in the shape call control needs. */
  async findAgentDevice(where: { companyId?: string; userId?: string; endpointId?: string; extension?: number }) {
    const conditions = [eq(sipDevices.isActive, true), eq(users.isActive, true)];
    if (where.companyId) conditions.push(eq(sipDevices.companyId, where.companyId));
    if (where.userId) conditions.push(eq(sipDevices.userId, where.userId));
    if (where.endpointId) conditions.push(eq(sipDevices.endpointId, where.endpointId));
    if (where.extension !== undefined) conditions.push(eq(sipDevices.extension, where.extension));
    const [row] = await this.db
      .select({
        userId: sipDevices.userId,
        companyId: sipDevices.companyId,
        endpointId: sipDevices.endpointId,
        extension: sipDevices.extension,
        name: users.name,
      })
      .from(sipDevices)
      .innerJoin(users, and(eq(users.id, sipDevices.userId), eq(users.companyId, sipDevices.companyId)))
      .where(and(...conditions))
      .limit(1);
    return row;
  }

  async findLatestDeviceTemplate(companyId: string, userId: string): Promise<'webrtc' | 'sip' | undefined> {
    const [row] = await this.db
      .select({ template: sipDevices.template })
      .from(sipDevices)
      .where(and(eq(sipDevices.companyId, companyId), eq(sipDevices.userId, userId)))
      .orderBy(desc(sipDevices.createdAt))
      .limit(1);
    return row?.template;
  }

  async insertDevice(device: typeof sipDevices.$inferInsert, rows: PjsipRows): Promise<void> {
    await this.db.insert(sipDevices).values(device);
    await this.db.insert(psAors).values(rows.aor);
    await this.db.insert(psAuths).values(rows.auth);
    await this.db.insert(psEndpoints).values(rows.endpoint);
  }

  async findActiveDevice(companyId: string, userId: string): Promise<(DeviceRow & { password: string }) | undefined> {
    const [row] = await this.db
      .select({ device: sipDevices, password: psAuths.password })
      .from(sipDevices)
      .innerJoin(psAuths, eq(psAuths.id, sipDevices.endpointId))
      .where(and(eq(sipDevices.companyId, companyId), eq(sipDevices.userId, userId), eq(sipDevices.isActive, true)));
    return row && { ...row.device, password: row.password ?? '' };
  }

  async listDevices(
    companyId: string,
    filter: { template?: 'webrtc' | 'sip' | undefined; isActive?: boolean | undefined },
    cursor: KeysetCursor | undefined,
    limit: number,
  ): Promise<Device[]> {
    const conditions = [eq(sipDevices.companyId, companyId), afterCursor(sipDevices.createdAt, sipDevices.id, cursor)];
    if (filter.template) conditions.push(eq(sipDevices.template, filter.template));
    if (filter.isActive !== undefined) conditions.push(eq(sipDevices.isActive, filter.isActive));
    const rows = await this.db
      .select({ device: sipDevices, userName: users.name })
      .from(sipDevices)
      .innerJoin(users, and(eq(users.id, sipDevices.userId), eq(users.companyId, sipDevices.companyId)))
      .where(and(...conditions))
      .orderBy(asc(sipDevices.createdAt), asc(sipDevices.id))
      .limit(limit + 1);
    return rows.map(({ device, userName }) => ({
      id: device.id,
      companyId: device.companyId,
      userId: device.userId,
      userName,
      extension: device.extension,
      endpointId: device.endpointId,
      template: device.template,
      isActive: device.isActive,
      passwordRotatedAt: device.passwordRotatedAt,
      createdAt: device.createdAt,
    }));
  }

  async setDevicePassword(device: DeviceRow, password: string, at: Date): Promise<void> {
    await this.db
      .update(sipDevices)
      .set({ passwordRotatedAt: at, updatedAt: at })
      .where(and(eq(sipDevices.companyId, device.companyId), eq(sipDevices.id, device.id)));
    await this.db.update(psAuths).set({ password }).where(eq(psAuths.id, device.endpointId));
    // Registrations made with the old password end now.
    await this.db.delete(psContacts).where(eq(psContacts.endpoint, device.endpointId));
  }

  async setDeviceCallerId(device: DeviceRow, callerid: string): Promise<void> {
    await this.db.update(psEndpoints).set({ callerid }).where(eq(psEndpoints.id, device.endpointId));
  }

  /** `allow` of the device's endpoint: Asterisk reads it at the device's next call. */
  async setDeviceCodecs(device: DeviceRow, allow: string): Promise<void> {
    await this.db.update(psEndpoints).set({ allow }).where(eq(psEndpoints.id, device.endpointId));
  }

  /** Keeps the sip_devices row (history names it) and removes what Asterisk reads. */
  async deactivateDevice(device: DeviceRow, at: Date): Promise<void> {
    await this.db
      .update(sipDevices)
      .set({ isActive: false, deactivatedAt: at, updatedAt: at })
      .where(and(eq(sipDevices.companyId, device.companyId), eq(sipDevices.id, device.id)));
    const endpointIds = [device.endpointId];
    await this.db.delete(psContacts).where(inArray(psContacts.endpoint, endpointIds));
    await this.db.delete(psEndpoints).where(inArray(psEndpoints.id, endpointIds));
    await this.db.delete(psAuths).where(inArray(psAuths.id, endpointIds));
    await this.db.delete(psAors).where(inArray(psAors.id, endpointIds));
  }
}

function toAccount(row: UserRow): Account {
  return {
    id: row.id,
    companyId: row.companyId,
    email: row.email,
    name: row.name,
    role: row.role,
    isActive: row.isActive,
    passwordHash: row.passwordHash,
    tokensValidAfter: row.tokensValidAfter,
  };
}

type UserColumns = Pick<
  UserRow,
  'id' | 'companyId' | 'email' | 'name' | 'role' | 'phone' | 'isActive' | 'lastLoginAt' | 'createdAt' | 'updatedAt'
>;

/**
 * A row of `selectUsers()` as the driver gives it in array mode: the columns in the order
 * selected, timestamps as text (drizzle's parsers), mapped by each column's own mapping. A
 * device's `extension` is never null, so a null one is a user without an active device.
 */
function toUserFromColumns(r: unknown[]): User {
  const extension = r[10];
  return {
    id: r[0] as string,
    companyId: r[1] as string,
    email: r[2] as string,
    name: r[3] as string,
    role: r[4] as User['role'],
    phone: r[5] as string | null,
    isActive: r[6] as boolean,
    lastLoginAt: r[7] === null ? null : (users.lastLoginAt.mapFromDriverValue(r[7]) as Date),
    createdAt: users.createdAt.mapFromDriverValue(r[8]) as Date,
    updatedAt: users.updatedAt.mapFromDriverValue(r[9]) as Date,
    device:
      extension === null
        ? null
        : {
            extension: sipDevices.extension.mapFromDriverValue(extension) as number,
            endpointId: r[11] as string,
            template: r[12] as DeviceSummary['template'],
            isActive: r[13] as boolean,
          },
  };
}

function toUser(
  row: UserColumns,
  device: Pick<DeviceRow, 'extension' | 'endpointId' | 'template' | 'isActive'> | null,
): User {
  const summary: DeviceSummary | null = device && {
    extension: device.extension,
    endpointId: device.endpointId,
    template: device.template,
    isActive: device.isActive,
  };
  return {
    id: row.id,
    companyId: row.companyId,
    email: row.email,
    name: row.name,
    role: row.role,
    phone: row.phone,
    isActive: row.isActive,
    lastLoginAt: row.lastLoginAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    device: summary,
  };
}
