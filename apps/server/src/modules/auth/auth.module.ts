/**
 * The auth module as the composition root installs it: sign-in, tokens and sessions over
 * HTTP, the login throttle (counted in Redis across nodes when configured) and the pruning
 * of expired sessions. Accounts come from the users module (`accounts` port); it offers
 * the authenticator (HTTP, Socket.IO) and "log out everywhere" (`sessions`).
 */
import type { ModuleInstaller } from '../../app-module.js';
import { AuthRepository } from './auth.repository.js';
import { registerAuthRoutes } from './auth.routes.js';
import { AuthService } from './auth.service.js';
import { createJwtAccessTokens } from './jwt.tokens.js';
import { LoginThrottle } from './login-throttle.js';
import { SessionPruner } from './session-pruner.js';

export const installAuth: ModuleInstaller = (context) => {
  const { config, clock } = context;
  const logger = context.logger.child({ module: 'auth' });
  const auth = new AuthService({
    repository: new AuthRepository(context.db),
    accounts: context.ports.get('accounts'),
    hasher: context.hasher,
    tokens: createJwtAccessTokens({ secret: config.jwtSecret, now: () => clock.now() }),
    throttle: new LoginThrottle(
      {
        maxFailuresPerIp: config.login.maxAttemptsPerIp,
        maxFailuresPerAccount: config.login.maxAttemptsPerAccount,
        windowMs: config.login.windowSeconds * 1000,
      },
      {
        ...(context.loginCounters ? { counters: context.loginCounters } : {}),
        nowMs: () => clock.now().getTime(),
        logger,
      },
    ),
    clock,
    logger,
    events: context.publisher,
    signupEnabled: config.signupEnabled,
  });
  const pruner = new SessionPruner({ db: context.db, clock, logger });
  return {
    routes: (app) => registerAuthRoutes(app, auth),
    provides: {
      authenticator: auth,
      sessions: {
        endAllSessions: (companyId, userId) => auth.logoutEverywhere({ companyId, userId, role: 'agent' }),
      },
    },
    start: async () => pruner.start(),
    stop: () => pruner.stop(),
  };
};
