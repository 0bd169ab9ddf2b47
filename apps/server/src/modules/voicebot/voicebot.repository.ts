import { and, asc, count, desc, eq, gt, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  voicebotCalls,
  voicebotResidents,
  voicebotSettings,
  voicebotTranscriptLines,
  voicebotUnits,
} from '../../db/schema/index.js';
import type { KeysetCursor } from '../../shared/pagination.js';
import type {
  IntercomCall,
  IntercomEndReason,
  IntercomOutcome,
  IntercomSettings,
  GateStatus,
  Resident,
  TranscriptLine,
  TranscriptKind,
  TranscriptSpeaker,
  Leg,
  Unit,
} from './voicebot.js';

type UnitRow = typeof voicebotUnits.$inferSelect;
type ResidentRow = typeof voicebotResidents.$inferSelect;
type CallRow = typeof voicebotCalls.$inferSelect;
export type CallPatch = Partial<Omit<typeof voicebotCalls.$inferInsert, 'id' | 'companyId'>>;

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The directory the bot matches a visitor's words against. */
export interface DirectoryResident {
  residentId: string;
  name: string;
  unitId: string;
  unitNumber: string;
  priority: number;
  phone: string | null;
  sipExtension: string | null;
}

export interface IntercomDirectory {
  units: { unitId: string; number: string }[];
  residents: DirectoryResident[];
}

/** The bot reads at most this many rows per call: a large condominium, not a city. */
const DIRECTORY_LIMIT = 5000;

export class VoicebotRepository {
  constructor(private readonly db: Db) {}

  // ── units ─────────────────────────────────────────────────────────────────

  async insertUnit(row: typeof voicebotUnits.$inferInsert): Promise<void> {
    await this.db.insert(voicebotUnits).values(row);
  }

  async updateUnit(
    companyId: string,
    unitId: string,
    patch: Partial<typeof voicebotUnits.$inferInsert>,
  ): Promise<boolean> {
    const rows = await this.db
      .update(voicebotUnits)
      .set(patch)
      .where(and(eq(voicebotUnits.companyId, companyId), eq(voicebotUnits.id, unitId)))
      .returning({ id: voicebotUnits.id });
    return rows.length > 0;
  }

  async deleteUnit(companyId: string, unitId: string): Promise<boolean> {
    const rows = await this.db
      .delete(voicebotUnits)
      .where(and(eq(voicebotUnits.companyId, companyId), eq(voicebotUnits.id, unitId)))
      .returning({ id: voicebotUnits.id });
    return rows.length > 0;
  }

  async findUnit(companyId: string, unitId: string): Promise<Unit | undefined> {
    const [row] = await this.selectUnits().where(
      and(eq(voicebotUnits.companyId, companyId), eq(voicebotUnits.id, unitId)),
    );
    return row && toUnit(row.unit, row.residentCount);
  }

  async listUnits(companyId: string, search: string | undefined, cursor: KeysetCursor | undefined, limit: number) {
    const conditions: SQL[] = [eq(voicebotUnits.companyId, companyId)];
    if (cursor) {
      conditions.push(
        or(
          gt(voicebotUnits.createdAt, cursor.createdAt),
          and(eq(voicebotUnits.createdAt, cursor.createdAt), gt(voicebotUnits.id, cursor.id)),
        ) ?? sql`true`,
      );
    }
    if (search) {
      const pattern = `%${escapeLike(search)}%`;
      conditions.push(or(ilike(voicebotUnits.number, pattern), ilike(voicebotUnits.label, pattern)) ?? sql`true`);
    }
    const rows = await this.selectUnits()
      .where(and(...conditions))
      .orderBy(asc(voicebotUnits.createdAt), asc(voicebotUnits.id))
      .limit(limit + 1);
    return rows.map((row) => toUnit(row.unit, row.residentCount));
  }

  async countResidentsOfUnit(companyId: string, unitId: string): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(voicebotResidents)
      .where(and(eq(voicebotResidents.companyId, companyId), eq(voicebotResidents.unitId, unitId)));
    return row?.n ?? 0;
  }

  private selectUnits() {
    // Written out in full: in a one-table select drizzle leaves columns unqualified, and an
    // unqualified "id" inside the subquery would be the resident's.
    const residentCount = sql<number>`(select count(*)::int from voicebot_residents r where r.unit_id = voicebot_units.id and r.company_id = voicebot_units.company_id)`;
    return this.db.select({ unit: voicebotUnits, residentCount }).from(voicebotUnits);
  }

  // ── residents ─────────────────────────────────────────────────────────────

  async insertResident(row: typeof voicebotResidents.$inferInsert): Promise<void> {
    await this.db.insert(voicebotResidents).values(row);
  }

  async updateResident(
    companyId: string,
    residentId: string,
    patch: Partial<typeof voicebotResidents.$inferInsert>,
  ): Promise<boolean> {
    const rows = await this.db
      .update(voicebotResidents)
      .set(patch)
      .where(and(eq(voicebotResidents.companyId, companyId), eq(voicebotResidents.id, residentId)))
      .returning({ id: voicebotResidents.id });
    return rows.length > 0;
  }

  async deleteResident(companyId: string, residentId: string): Promise<boolean> {
    const rows = await this.db
      .delete(voicebotResidents)
      .where(and(eq(voicebotResidents.companyId, companyId), eq(voicebotResidents.id, residentId)))
      .returning({ id: voicebotResidents.id });
    return rows.length > 0;
  }

  async findResident(companyId: string, residentId: string): Promise<Resident | undefined> {
    const [row] = await this.selectResidents().where(
      and(eq(voicebotResidents.companyId, companyId), eq(voicebotResidents.id, residentId)),
    );
    return row && toResident(row.resident, row.unitNumber);
  }

  async listResidents(
    companyId: string,
    filter: { unitId?: string | undefined; search?: string | undefined },
    cursor: KeysetCursor | undefined,
    limit: number,
  ) {
    const conditions: SQL[] = [eq(voicebotResidents.companyId, companyId)];
    if (filter.unitId) conditions.push(eq(voicebotResidents.unitId, filter.unitId));
    if (filter.search) conditions.push(ilike(voicebotResidents.name, `%${escapeLike(filter.search)}%`));
    if (cursor) {
      conditions.push(
        or(
          gt(voicebotResidents.createdAt, cursor.createdAt),
          and(eq(voicebotResidents.createdAt, cursor.createdAt), gt(voicebotResidents.id, cursor.id)),
        ) ?? sql`true`,
      );
    }
    const rows = await this.selectResidents()
      .where(and(...conditions))
      .orderBy(asc(voicebotResidents.createdAt), asc(voicebotResidents.id))
      .limit(limit + 1);
    return rows.map((row) => toResident(row.resident, row.unitNumber));
  }

  private selectResidents() {
    return this.db
      .select({ resident: voicebotResidents, unitNumber: voicebotUnits.number })
      .from(voicebotResidents)
      .innerJoin(
        voicebotUnits,
        and(eq(voicebotUnits.id, voicebotResidents.unitId), eq(voicebotUnits.companyId, voicebotResidents.companyId)),
      );
  }

  /** Units and active residents of a company, for one intercom call. */
  async loadDirectory(companyId: string): Promise<IntercomDirectory> {
    const units = await this.db
      .select({ unitId: voicebotUnits.id, number: voicebotUnits.number })
      .from(voicebotUnits)
      .where(eq(voicebotUnits.companyId, companyId))
      .limit(DIRECTORY_LIMIT);
    const residents = await this.db
      .select({
        residentId: voicebotResidents.id,
        name: voicebotResidents.name,
        unitId: voicebotResidents.unitId,
        unitNumber: voicebotUnits.number,
        priority: voicebotResidents.priority,
        phone: voicebotResidents.phone,
        sipExtension: voicebotResidents.sipExtension,
      })
      .from(voicebotResidents)
      .innerJoin(
        voicebotUnits,
        and(eq(voicebotUnits.id, voicebotResidents.unitId), eq(voicebotUnits.companyId, voicebotResidents.companyId)),
      )
      .where(and(eq(voicebotResidents.companyId, companyId), eq(voicebotResidents.isActive, true)))
      .orderBy(asc(voicebotResidents.priority), asc(voicebotResidents.createdAt))
      .limit(DIRECTORY_LIMIT);
    return { units, residents };
  }

  // ── settings ──────────────────────────────────────────────────────────────

  /** The company's settings, created on first use with a fresh intercom UUID. */
  async ensureSettings(companyId: string, fresh: { intercomUuid: string; at: Date }): Promise<IntercomSettings> {
    await this.db
      .insert(voicebotSettings)
      .values({ companyId, intercomUuid: fresh.intercomUuid, createdAt: fresh.at, updatedAt: fresh.at })
      .onConflictDoNothing({ target: voicebotSettings.companyId });
    const settings = await this.findSettings(companyId);
    if (!settings) throw new Error('voicebot settings vanished after insert');
    return settings;
  }

  async findSettings(companyId: string): Promise<IntercomSettings | undefined> {
    const [row] = await this.db.select().from(voicebotSettings).where(eq(voicebotSettings.companyId, companyId));
    return row && toSettings(row);
  }

  /** Intercom UUIDs are unique across companies: the UUID names its tenant. */
  async findSettingsByIntercomUuid(intercomUuid: string): Promise<IntercomSettings | undefined> {
    const [row] = await this.db.select().from(voicebotSettings).where(eq(voicebotSettings.intercomUuid, intercomUuid));
    return row && toSettings(row);
  }

  async updateSettings(
    companyId: string,
    patch: Partial<Pick<typeof voicebotSettings.$inferInsert, 'gateWebhookUrl' | 'gateWebhookSecret' | 'updatedAt'>>,
  ): Promise<void> {
    await this.db.update(voicebotSettings).set(patch).where(eq(voicebotSettings.companyId, companyId));
  }

  // ── calls ─────────────────────────────────────────────────────────────────

  async insertCall(row: typeof voicebotCalls.$inferInsert): Promise<void> {
    await this.db.insert(voicebotCalls).values(row);
  }

  async updateCall(companyId: string, callId: string, patch: CallPatch): Promise<void> {
    await this.db
      .update(voicebotCalls)
      .set(patch)
      .where(and(eq(voicebotCalls.companyId, companyId), eq(voicebotCalls.id, callId)));
  }

  async insertTranscriptLine(companyId: string, callId: string, id: string, line: TranscriptLine): Promise<void> {
    await this.db.insert(voicebotTranscriptLines).values({ id, companyId, callId, ...line });
  }

  async findCall(companyId: string, callId: string): Promise<IntercomCall | undefined> {
    const [row] = await this.db
      .select()
      .from(voicebotCalls)
      .where(and(eq(voicebotCalls.companyId, companyId), eq(voicebotCalls.id, callId)));
    return row && toCall(row);
  }

  /** Newest first. */
  async listCalls(
    companyId: string,
    filter: { outcome?: IntercomOutcome | undefined; unitId?: string | undefined },
    cursor: KeysetCursor | undefined,
    limit: number,
  ): Promise<IntercomCall[]> {
    const conditions: SQL[] = [eq(voicebotCalls.companyId, companyId)];
    if (filter.outcome) conditions.push(eq(voicebotCalls.outcome, filter.outcome));
    if (filter.unitId) conditions.push(eq(voicebotCalls.unitId, filter.unitId));
    if (cursor) {
      conditions.push(
        or(
          lt(voicebotCalls.startedAt, cursor.createdAt),
          and(eq(voicebotCalls.startedAt, cursor.createdAt), lt(voicebotCalls.id, cursor.id)),
        ) ?? sql`true`,
      );
    }
    const rows = await this.db
      .select()
      .from(voicebotCalls)
      .where(and(...conditions))
      .orderBy(desc(voicebotCalls.startedAt), desc(voicebotCalls.id))
      .limit(limit + 1);
    return rows.map(toCall);
  }

  async listTranscript(companyId: string, callId: string): Promise<TranscriptLine[]> {
    const rows = await this.db
      .select()
      .from(voicebotTranscriptLines)
      .where(and(eq(voicebotTranscriptLines.companyId, companyId), eq(voicebotTranscriptLines.callId, callId)))
      .orderBy(asc(voicebotTranscriptLines.seq));
    return rows.map((row) => ({
      seq: row.seq,
      who: row.who as TranscriptSpeaker,
      leg: row.leg as Leg,
      kind: row.kind as TranscriptKind,
      text: row.text,
      at: row.at,
    }));
  }
}

function toUnit(row: UnitRow, residentCount: number): Unit {
  return {
    id: row.id,
    companyId: row.companyId,
    number: row.number,
    label: row.label,
    residentCount: Number(residentCount),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toResident(row: ResidentRow, unitNumber: string): Resident {
  return {
    id: row.id,
    companyId: row.companyId,
    unitId: row.unitId,
    unitNumber,
    name: row.name,
    phone: row.phone,
    sipExtension: row.sipExtension,
    priority: row.priority,
    isActive: row.isActive,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toSettings(row: typeof voicebotSettings.$inferSelect): IntercomSettings {
  return {
    companyId: row.companyId,
    intercomUuid: row.intercomUuid,
    gateWebhookUrl: row.gateWebhookUrl,
    gateWebhookSecret: row.gateWebhookSecret,
    updatedAt: row.updatedAt,
  };
}

function toCall(row: CallRow): IntercomCall {
  return {
    id: row.id,
    companyId: row.companyId,
    status: row.status === 'completed' ? 'completed' : 'in_progress',
    outcome: row.outcome as IntercomOutcome | null,
    endReason: row.endReason as IntercomEndReason | null,
    visitorAudiosocketUuid: row.visitorAudiosocketUuid,
    residentAudiosocketUuid: row.residentAudiosocketUuid,
    unitId: row.unitId,
    unitNumber: row.unitNumber,
    residentId: row.residentId,
    residentName: row.residentName,
    visitorName: row.visitorName,
    purpose: row.purpose,
    gateStatus: row.gateStatus as GateStatus,
    gateAttempts: row.gateAttempts,
    gateHttpStatus: row.gateHttpStatus,
    gateError: row.gateError,
    gateAt: row.gateAt,
    startedAt: row.startedAt,
    residentAnsweredAt: row.residentAnsweredAt,
    endedAt: row.endedAt,
  };
}
