export { UsersService, pickFreeExtension, type SipSettings } from './users.service.js';
export { UsersRepository } from './users.repository.js';
export { registerUsersRoutes } from './users.routes.js';
export type { User, Device, DeviceCredentials, SipTemplate } from './users.js';

import type { UsersRepository as Repository } from './users.repository.js';

/** Agents' devices as call control reads them (calls' DeviceDirectory port). */
export function createDeviceDirectory(repository: Repository) {
  return {
    findActiveDeviceOfUser: (companyId: string, userId: string) => repository.findAgentDevice({ companyId, userId }),
    findActiveDeviceByEndpoint: (endpointId: string) => repository.findAgentDevice({ endpointId }),
    findActiveDeviceByExtension: (companyId: string, extension: number) =>
      repository.findAgentDevice({ companyId, extension }),
  };
}
