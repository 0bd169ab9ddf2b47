/**
 * Web chat as the composition root installs it (feature-modules.ts, beside the contact
 * center whose inbox and routing it uses): its routes, the `/webchat` Socket.IO namespace,
 * and the provider conversations read visitors' files and send read marks through.
 */
import type { InstalledModule, ModuleContext } from '../../app-module.js';
import { MediaFiles, type WebchatBridge } from '../conversations/index.js';
import { WebchatRepository } from './webchat.repository.js';
import { registerWebchatRoutes } from './webchat.routes.js';
import { WebchatService, type QueueRouter } from './webchat.service.js';
import { WebchatSockets } from './webchat.socket.js';
import { VisitorTokens } from './webchat.tokens.js';
import { widgetScriptFile } from './widget-script.js';

export interface WebchatModuleOptions {
  conversations: WebchatBridge;
  router: QueueRouter;
}

export interface WebchatModule extends InstalledModule {
  readonly service: WebchatService;
}

export function createWebchatModule(context: ModuleContext, options: WebchatModuleOptions): WebchatModule {
  const logger = context.logger.child({ module: 'webchat' });
  const repository = new WebchatRepository(context.db);
  const service = new WebchatService({
    repository,
    tokens: new VisitorTokens(context.config.jwtSecret, () => context.clock.now()),
    conversations: options.conversations,
    router: options.router,
    entries: repository,
    files: new MediaFiles(context.config.media.dir),
    publisher: context.publisher,
    clock: context.clock,
    logger,
  });
  options.conversations.bind({
    fetchMedia: (input) => service.fetchUpload(input),
    markRead: (input) => service.announceRead(input),
  });
  const sockets = new WebchatSockets({ service, limits: context.config.socketEvents, logger });
  let unsubscribe: (() => void) | undefined;
  return {
    service,
    sockets: (io) => sockets.attach(io),
    routes: (app) => registerWebchatRoutes(app, service, widgetScriptFile()),
    async start() {
      unsubscribe = context.subscribe((event) => sockets.onEvent(event));
    },
    async stop() {
      unsubscribe?.();
      sockets.close();
    },
  };
}
