/** Labels, canned responses and private notes as a feature module (issue 14). */
import type { ModuleInstaller } from '../../app-module.js';
import { MediaFiles } from '../conversations/index.js';
import { ProductivityRepository } from './productivity.repository.js';
import { registerProductivityRoutes } from './productivity.routes.js';
import { ProductivityService } from './productivity.service.js';

export const installProductivity: ModuleInstaller = (context) => {
  const service = new ProductivityService({
    repository: new ProductivityRepository(context.db),
    // Canned responses' files sit beside messages' files, named by ids of ours.
    files: new MediaFiles(context.config.media.dir),
    publisher: context.publisher,
    clock: context.clock,
    logger: context.logger.child({ module: 'productivity' }),
  });
  return { routes: (app) => registerProductivityRoutes(app, service) };
};
