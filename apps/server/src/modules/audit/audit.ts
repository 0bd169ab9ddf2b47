/** What the audit log records, and who may read it. */
import type { Actor } from '../../shared/actor.js';
import { ForbiddenError, ValidationError } from '../../shared/errors.js';

/** Who acted: a signed-in user, an API key (integrations), or the server itself. */
export type AuditActor =
  | { type: 'user'; userId: string }
  | { type: 'api_key'; apiKeyId: string; userId?: string | undefined }
  | { type: 'system' };

export interface AuditRecordInput {
  companyId: string;
  actor: AuditActor;
  /** `<subject>.<verb>`, e.g. `contact.erased` (contracts' AUDIT_ACTIONS). */
  action: string;
  target?: { type: string; id: string } | undefined;
  /** The client's address, when an HTTP request caused it. */
  ip?: string | null | undefined;
  /** Ids, codes and counts only: never a customer's name, number or text. */
  details?: Record<string, unknown> | undefined;
}

export interface AuditEntry {
  id: string;
  companyId: string;
  actorType: AuditActor['type'];
  actorUserId: string | null;
  actorApiKeyId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  createdAt: Date;
}

export interface AuditFilter {
  actorUserId?: string | undefined;
  actorApiKeyId?: string | undefined;
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const ACTION_PATTERN = /^[a-z_]{1,30}\.[a-z_]{1,30}$/;
const MAX_DETAILS_BYTES = 4096;

/** The row written for an input; throws on a malformed action (a programming error). */
export function toAuditRow(input: AuditRecordInput, id: string, at: Date): AuditEntry {
  if (!ACTION_PATTERN.test(input.action)) throw new Error(`bad audit action: ${input.action}`);
  const details = input.details ?? {};
  if (JSON.stringify(details).length > MAX_DETAILS_BYTES) throw new Error('audit details too large');
  const actor = input.actor;
  return {
    id,
    companyId: input.companyId,
    actorType: actor.type,
    actorUserId: actor.type === 'user' ? actor.userId : actor.type === 'api_key' ? (actor.userId ?? null) : null,
    actorApiKeyId: actor.type === 'api_key' ? actor.apiKeyId : null,
    action: input.action,
    targetType: input.target?.type ?? null,
    targetId: input.target?.id.slice(0, 64) ?? null,
    ip: input.ip ? input.ip.slice(0, 64) : null,
    details,
    createdAt: at,
  };
}

/** The audit log is the administrators' only. */
export function assertCanReadAudit(actor: Actor): void {
  if (actor.role !== 'admin') throw new ForbiddenError('audit.forbidden', 'Only administrators read the audit log.');
}

export function assertTimeRange(from: Date | undefined, to: Date | undefined): void {
  if (from && to && from.getTime() >= to.getTime()) {
    throw new ValidationError('audit.bad_range', '`from` must be before `to`.', [
      { field: 'querystring.from', message: 'must be before `to`' },
    ]);
  }
}

/** An authenticated actor as the audit log names it: an API key when one authenticated the request. */
export function auditActorOf(actor: Actor): AuditActor {
  const apiKeyId = (actor as Actor & { apiKeyId?: unknown }).apiKeyId;
  const audit: AuditActor =
    typeof apiKeyId === 'string'
      ? // A key made for no particular user carries the nil uuid as its user.
        { type: 'api_key', apiKeyId, userId: actor.userId === NIL_UUID ? undefined : actor.userId }
      : { type: 'user', userId: actor.userId };
  const ip = clientIps.get(actor);
  if (ip !== undefined) clientIps.set(audit, ip);
  return audit;
}

/**
 * The client address of the HTTP request an actor acts in: the audit module's preHandler
 * gives each request its own copy of the authenticated actor and remembers the address
 * here, and `auditActorOf` carries it to the audit actor, so an entry a service records
 * for that actor gets the address without the service carrying it. (An
 * AsyncLocalStorage scope did this before; it turns on async_hooks for every promise and
 * every socket write of the process, a few per cent of a GET /health: bench:http.)
 */
const clientIps = new WeakMap<object, string>();

export function rememberClientIp(actor: Actor, ip: string): void {
  clientIps.set(actor, ip);
}

/** The address remembered for an actor or audit actor, if it acts in an HTTP request. */
export function clientIpOf(actor: Actor | AuditActor): string | undefined {
  return clientIps.get(actor);
}
