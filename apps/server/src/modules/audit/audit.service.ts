import type { Db } from '../../db/client.js';
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import { decodeCursor, toPage, type Page } from '../../shared/pagination.js';
import {
  assertCanReadAudit,
  clientIpOf,
  assertTimeRange,
  toAuditRow,
  type AuditEntry,
  type AuditFilter,
  type AuditRecordInput,
} from './audit.js';
import { AuditRepository } from './audit.repository.js';

/**
 * The port other modules write through: `record(tx, entry)` inside the transaction of the
 * action, so the trail and the change commit (or fail) together.
 */
export interface AuditLog {
  record(db: Db, input: AuditRecordInput): Promise<void>;
}

export function createAuditLog(clock: Clock): AuditLog {
  return {
    async record(db, input) {
      const ip = input.ip === undefined ? clientIpOf(input.actor) : input.ip;
      await AuditRepository.insert(db, toAuditRow({ ...input, ip }, newId(), clock.now()));
    },
  };
}

export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  async list(
    actor: Actor,
    filter: AuditFilter,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<Page<AuditEntry>> {
    assertCanReadAudit(actor);
    assertTimeRange(filter.from, filter.to);
    const rows = await this.repository.list(actor.companyId, filter, decodeCursor(page.cursor), page.limit);
    return toPage(rows, page.limit);
  }
}
