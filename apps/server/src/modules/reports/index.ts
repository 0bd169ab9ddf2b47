/**
 * Reports: disposition codes, queue and agent reports (JSON and CSV), the wallboard and
 * its supervisor actions, and per-queue metrics (docs/adr/0020-report-definitions.md).
 */
export { createReportsModule, type ReportsModule, type ReportsModuleOptions } from './reports.module.js';
export { ReportsService } from './reports.service.js';
