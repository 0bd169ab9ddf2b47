/**
 * API keys (admins create and revoke them) and their authentication: `Authorization:
 * Bearer sbk_…` acts for the key's company with no user, on the routes its scopes open.
 */
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { auditLog } from '../audit/index.js';
import type { ApiKeyRow, ApiKeysRepository } from './api-keys.repository.js';
import {
  hashApiKey,
  isKeyUsable,
  newApiKey,
  NO_USER_ID,
  scopeOfRoute,
  type ApiKeyActor,
  type ApiKeyScope,
} from './api-keys.js';

export interface ApiKeysServiceDeps {
  repository: ApiKeysRepository;
  clock: Clock;
  logger: Logger;
}

function assertIsAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new ForbiddenError('auth.forbidden', 'Only administrators may manage API keys.');
}

export class ApiKeysService {
  constructor(private readonly deps: ApiKeysServiceDeps) {}

  list(actor: Actor): Promise<ApiKeyRow[]> {
    assertIsAdmin(actor);
    return this.deps.repository.list(actor.companyId);
  }

  /** The key itself is in this answer only; the database keeps its SHA-256. */
  async create(
    actor: Actor,
    input: { name: string; scopes: ApiKeyScope[]; expiresAt?: Date | undefined },
    ip: string | undefined,
  ): Promise<{ row: ApiKeyRow; key: string }> {
    assertIsAdmin(actor);
    const now = this.deps.clock.now();
    if (input.expiresAt && input.expiresAt <= now) {
      throw new ValidationError('api_key.expiry_in_past', 'The expiry must be in the future.', [
        { field: 'body.expires_at', message: 'must be in the future' },
      ]);
    }
    const { key, prefix, hash } = newApiKey();
    const row = await this.deps.repository.db.transaction(async (tx) => {
      const created = await this.deps.repository.insert(tx, {
        id: newId(),
        companyId: actor.companyId,
        name: input.name,
        scopes: [...new Set(input.scopes)],
        prefix,
        keyHash: hash,
        expiresAt: input.expiresAt ?? null,
        createdBy: actor.userId,
        createdAt: now,
      });
      await auditLog.record(tx, {
        companyId: actor.companyId,
        actor: { type: 'user', userId: actor.userId },
        action: 'api_key.created',
        target: { type: 'api_key', id: created.id },
        ip: ip ?? null,
        details: { scopes: created.scopes, expires_at: created.expiresAt?.toISOString() ?? null },
      });
      return created;
    });
    this.deps.logger.info({ apiKeyId: row.id, companyId: actor.companyId, prefix }, 'api key created');
    return { row, key };
  }

  async revoke(actor: Actor, id: string, ip: string | undefined): Promise<void> {
    assertIsAdmin(actor);
    const revoked = await this.deps.repository.db.transaction(async (tx) => {
      const row = await this.deps.repository.revoke(tx, actor.companyId, id, this.deps.clock.now());
      if (!row) return undefined;
      await auditLog.record(tx, {
        companyId: actor.companyId,
        actor: { type: 'user', userId: actor.userId },
        action: 'api_key.revoked',
        target: { type: 'api_key', id },
        ip: ip ?? null,
      });
      return row;
    });
    if (!revoked) {
      if (await this.deps.repository.find(actor.companyId, id)) return; // already revoked: DELETE is idempotent
      throw new NotFoundError('api_key.not_found', 'No such API key.');
    }
    this.deps.logger.info({ apiKeyId: id, companyId: actor.companyId }, 'api key revoked');
  }

  /**
   * A write a key made (its answer was 2xx), in the audit log with the key as the actor:
   * `api_key.used`, the resource it touched, the route and method.
   */
  async recordWrite(
    actor: ApiKeyActor,
    write: { method: string; route: string; status: number; target?: { type: string; id: string } | undefined },
    ip: string | undefined,
  ): Promise<void> {
    await auditLog.record(this.deps.repository.db, {
      companyId: actor.companyId,
      actor: { type: 'api_key', apiKeyId: actor.apiKeyId },
      action: 'api_key.used',
      target: write.target,
      ip: ip ?? null,
      details: { method: write.method, route: write.route, status: write.status },
    });
  }

  /**
   * The actor of a key on a route: 401 for an unknown, revoked or expired key, 403 when
   * the route is not one its scopes open.
   */
  async authenticate(key: string, route: { method: string; url: string }): Promise<ApiKeyActor> {
    const row = await this.deps.repository.findByHash(hashApiKey(key));
    const now = this.deps.clock.now();
    if (!row || !isKeyUsable(row, now)) {
      throw new UnauthorizedError('auth.invalid_api_key', 'The API key is not valid, revoked or expired.');
    }
    const scopes = row.scopes as ApiKeyScope[];
    const needed = scopeOfRoute(route.method, route.url);
    if (needed === undefined || !scopes.includes(needed)) {
      throw new ForbiddenError(
        'auth.scope_missing',
        needed ? `This API key lacks the ${needed} scope.` : 'API keys cannot call this route.',
      );
    }
    await this.deps.repository.touch(row.id, now).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, apiKeyId: row.id }, 'api key last use not recorded');
    });
    return { userId: NO_USER_ID, companyId: row.companyId, role: 'supervisor', apiKeyId: row.id, scopes };
  }
}
