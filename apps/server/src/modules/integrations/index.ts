/**
 * Integrations as one feature module: event webhooks and their delivery outbox, the RD
 * Station connector delivering through it, and API keys (auth's, whose routes and bearer
 * scheme are installed here so main.ts stays as it is).
 */
import type { InstalledModule, ModuleContext, ModuleInstaller } from '../../app-module.js';
import { ApiKeysRepository, ApiKeysService, registerApiKeyRoutes } from '../auth/index.js';
import { createRdStationModule } from '../integrations-rdstation/index.js';
import { createWebhooksModule, type OutboxSettings, type WebhooksModule } from '../webhooks/index.js';

export interface IntegrationsOptions {
  /** Retry base, poll interval, lease (tests shorten them). */
  outbox?: Partial<OutboxSettings>;
  /** RD Station's API origin (tests: a local stub). */
  rdStationApiUrl?: string;
  /** How often old deliveries are pruned (tests shorten it). */
  pruneIntervalMs?: number;
}

export interface IntegrationsModule extends InstalledModule {
  readonly webhooks: WebhooksModule;
  readonly apiKeys: ApiKeysService;
}

export function createIntegrationsModule(
  context: ModuleContext,
  options: IntegrationsOptions = {},
): IntegrationsModule {
  const webhooks = createWebhooksModule(context, {
    ...(options.outbox ? { settings: options.outbox } : {}),
    ...(options.pruneIntervalMs ? { pruneIntervalMs: options.pruneIntervalMs } : {}),
  });
  const rdstation = createRdStationModule(context, webhooks.log, {
    ...(options.rdStationApiUrl ? { apiUrl: options.rdStationApiUrl } : {}),
  });
  webhooks.addTarget(rdstation.target);
  const apiKeys = new ApiKeysService({
    repository: new ApiKeysRepository(context.db),
    clock: context.clock,
    logger: context.logger.child({ module: 'api-keys' }),
  });
  return {
    webhooks,
    apiKeys,
    routes(app) {
      registerApiKeyRoutes(app, apiKeys);
      webhooks.routes?.(app);
      rdstation.routes(app);
    },
    start: () => webhooks.start?.() ?? Promise.resolve(),
    stop: () => webhooks.stop?.() ?? Promise.resolve(),
  };
}

/** The installer, with options for tests (FEATURE_MODULES uses the defaults). */
export function integrationsInstaller(options: IntegrationsOptions = {}): ModuleInstaller {
  return (context) => createIntegrationsModule(context, options);
}

export const installIntegrations: ModuleInstaller = integrationsInstaller();

export function isIntegrationsModule(module: InstalledModule): module is IntegrationsModule {
  return 'webhooks' in module && 'apiKeys' in module;
}
