/** Customer messages: what Switchboard writes to customers on its own, per company (issue 14). */
export {
  CUSTOMER_MESSAGE_KEYS,
  DEFAULT_TEXTS,
  RATING_LABELS,
  languageOf,
  render,
  type CustomerLanguage,
  type CustomerMessageKey,
  type CustomerVariables,
} from './customer-messages.js';
export {
  CustomerMessagesService,
  type CustomerMessageSettings,
  type CustomerTexts,
} from './customer-messages.service.js';
export { registerCustomerMessagesRoutes } from './customer-messages.routes.js';

import type { InstalledModule, ModuleContext } from '../../app-module.js';
import { registerCustomerMessagesRoutes as registerRoutes } from './customer-messages.routes.js';
import { CustomerMessagesService as Service } from './customer-messages.service.js';

/** The module as feature-modules.ts installs it: the service other modules read, and its routes. */
export function createCustomerMessagesModule(context: ModuleContext): InstalledModule & { service: Service } {
  const service = new Service({
    db: context.db,
    clock: context.clock,
    logger: context.logger.child({ module: 'customer-messages' }),
  });
  return { service, routes: (app) => registerRoutes(app, service) };
}
