import { auditEntrySchema, auditLogQuerySchema, pageSchema, problemSchema } from '@switchboard/contracts';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import type { AuditEntry } from './audit.js';
import type { AuditService } from './audit.service.js';

const toAuditEntryDto = (entry: AuditEntry) => ({
  id: entry.id,
  actor_type: entry.actorType,
  actor_user_id: entry.actorUserId,
  actor_api_key_id: entry.actorApiKeyId,
  action: entry.action,
  target_type: entry.targetType,
  target_id: entry.targetId,
  ip: entry.ip,
  details: entry.details,
  created_at: entry.createdAt.toISOString(),
});

/** Read-only on purpose: no route writes, edits or deletes an entry. */
export function registerAuditRoutes(app: TypedApp, audit: AuditService): void {
  app.get(
    '/api/audit-log',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit log of your company, newest first (admins)',
        querystring: auditLogQuerySchema,
        response: {
          200: pageSchema(auditEntrySchema),
          400: problemSchema,
          401: problemSchema,
          403: problemSchema,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await audit.list(
        actorOf(request),
        {
          actorUserId: q.actor_user_id,
          actorApiKeyId: q.actor_api_key_id,
          action: q.action,
          targetType: q.target_type,
          targetId: q.target_id,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
        },
        { cursor: q.cursor, limit: q.limit },
      );
      return { items: page.items.map(toAuditEntryDto), next_cursor: page.nextCursor };
    },
  );
}
