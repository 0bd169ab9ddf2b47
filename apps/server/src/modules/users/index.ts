export { UsersService, pickFreeExtension, type SipSettings } from './users.service.js';
export { UsersRepository } from './users.repository.js';
export { registerUsersRoutes } from './users.routes.js';
export { createDeviceDirectory, installUsers } from './users.module.js';
export type { User, Device, DeviceCredentials, SipTemplate } from './users.js';
