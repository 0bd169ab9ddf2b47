/**
 * The audit log: other modules write through `AuditLog.record(tx, …)` in the transaction
 * of the action (`auditLog` is the facade for code built outside a module context);
 * administrators read it at GET /api/audit-log. Nothing edits an entry.
 */
import type { ModuleInstaller } from '../../app-module.js';
import { systemClock } from '../../shared/clock.js';
import { registerAuditHooks } from './audit.http.js';
import { AuditRepository } from './audit.repository.js';
import { registerAuditRoutes } from './audit.routes.js';
import { AuditService, createAuditLog, type AuditLog } from './audit.service.js';

export { auditActorOf, type AuditActor, type AuditRecordInput } from './audit.js';
export { createAuditLog, type AuditLog } from './audit.service.js';

/** Stateless: writes into whatever transaction it is given, stamped with the system clock. */
export const auditLog: AuditLog = createAuditLog(systemClock);

export const installAudit: ModuleInstaller = (context) => {
  const service = new AuditService(new AuditRepository(context.db));
  const writer = createAuditLog(context.clock);
  const logger = context.logger.child({ module: 'audit' });
  return {
    routes(app) {
      registerAuditHooks(app, { db: context.db, record: (db, input) => writer.record(db, input), logger });
      registerAuditRoutes(app, service);
    },
  };
};
