/**
 * The RD Station Marketing connector: conversions on new contacts, closed conversations and
 * answered or abandoned calls, delivered through the webhooks module's outbox (a target).
 */
import type { ModuleContext } from '../../app-module.js';
import type { DeliveryLog } from '../webhooks/index.js';
import { RdStationRepository } from './rdstation.repository.js';
import { registerRdStationRoutes } from './rdstation.routes.js';
import { RD_STATION_API_URL, RdStationService } from './rdstation.service.js';

export { RD_STATION_API_URL, RdStationService } from './rdstation.service.js';
export { conversionOf, triggerOf, type RdConversionBody } from './rdstation.js';

export function createRdStationModule(context: ModuleContext, log: DeliveryLog, options: { apiUrl?: string } = {}) {
  const service = new RdStationService({
    repository: new RdStationRepository(context.db),
    clock: context.clock,
    logger: context.logger.child({ module: 'rdstation' }),
    log,
    apiUrl: options.apiUrl ?? RD_STATION_API_URL,
  });
  return {
    service,
    target: service.target(),
    routes: (app: Parameters<typeof registerRdStationRoutes>[0]) => registerRdStationRoutes(app, service),
  };
}
