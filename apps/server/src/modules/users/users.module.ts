/**
 * The users module as the composition root installs it: accounts, agents' SIP devices and
 * their routes. It offers auth the accounts people sign in to, call control the agents'
 * devices, the PBX adapter companies' SIP prefixes, and the root the service itself.
 */
import type { ModuleInstaller } from '../../app-module.js';
import { UsersRepository } from './users.repository.js';
import { registerUsersRoutes } from './users.routes.js';
import { UsersService } from './users.service.js';

export const installUsers: ModuleInstaller = (context) => {
  const { config, telephony } = context;
  const repository = new UsersRepository(context.db);
  const users = new UsersService({
    repository,
    hasher: context.hasher,
    clock: context.clock,
    logger: context.logger.child({ module: 'users' }),
    events: context.publisher,
    sip: config.sip,
  });
  return {
    routes(app) {
      registerUsersRoutes(app, users, {
        // The softphone's view: a SIP-only PBX (SIP_WSS_URL, no ARI) takes registrations too.
        pbxState: () =>
          telephony
            ? telephony.isAvailable()
              ? 'up'
              : 'disconnected'
            : config.sip.isWssUrlSet
              ? 'up'
              : 'not_configured',
      });
    },
    provides: {
      users,
      accounts: {
        findAccountByEmail: (email) => repository.findAccountByEmail(email),
        findAccountById: (companyId, userId) => repository.findAccountById(companyId, userId),
        recordLogin: (actor, at) => repository.recordLogin(actor, at),
        invalidateTokensBefore: (actor, at) => repository.invalidateTokensBefore(actor, at),
        createCompanyWithAdmin: (input) => users.createCompanyWithAdmin(input),
      },
      devices: createDeviceDirectory(repository),
      sipPrefixes: { findSipPrefix: (companyId) => repository.findSipPrefix(companyId) },
    },
  };
};

/** Agents' devices as call control reads them (calls' DeviceDirectory port). */
export function createDeviceDirectory(repository: UsersRepository) {
  return {
    findActiveDeviceOfUser: (companyId: string, userId: string) => repository.findAgentDevice({ companyId, userId }),
    findActiveDeviceByEndpoint: (endpointId: string) => repository.findAgentDevice({ endpointId }),
    findActiveDeviceByExtension: (companyId: string, extension: number) =>
      repository.findAgentDevice({ companyId, extension }),
  };
}
