import {
  createUserBodySchema,
  deviceCodecsSchema,
  deviceCredentialsSchema,
  deviceSchema,
  idParamsSchema,
  listDevicesQuerySchema,
  listUsersQuerySchema,
  pageSchema,
  problemSchema,
  updateDeviceBodySchema,
  updateProfileBodySchema,
  updateUserBodySchema,
  userSchema,
  type Device as DeviceDto,
  type DeviceCredentials as DeviceCredentialsDto,
  type PbxState,
  type User as UserDto,
} from '@switchboard/contracts';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import type { UsersService } from './users.service.js';
import type { Device, DeviceCredentials, User } from './users.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

export function toUserDto(user: User): UserDto {
  return {
    id: user.id,
    company_id: user.companyId,
    email: user.email,
    name: user.name,
    role: user.role,
    phone: user.phone,
    is_active: user.isActive,
    last_login_at: user.lastLoginAt?.toISOString() ?? null,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
    device: user.device && {
      extension: user.device.extension,
      sip_username: user.device.endpointId,
      template: user.device.template,
      is_active: user.device.isActive,
    },
  };
}

function toDeviceDto(device: Device): DeviceDto {
  return {
    user_id: device.userId,
    user_name: device.userName,
    extension: device.extension,
    sip_username: device.endpointId,
    template: device.template,
    is_active: device.isActive,
    password_rotated_at: device.passwordRotatedAt.toISOString(),
    created_at: device.createdAt.toISOString(),
  };
}

function toCredentialsDto(credentials: DeviceCredentials, pbx: PbxState): DeviceCredentialsDto {
  return {
    extension: credentials.extension,
    template: credentials.template,
    sip_uri: credentials.sipUri,
    sip_username: credentials.sipUsername,
    sip_password: credentials.sipPassword,
    sip_domain: credentials.sipDomain,
    wss_url: credentials.wssUrl,
    ice_servers: credentials.iceServers,
    ice_expires_at: credentials.iceExpiresAt?.toISOString() ?? null,
    pbx,
  };
}

const parseBoolean = (value: 'true' | 'false' | undefined) => (value === undefined ? undefined : value === 'true');

export function registerUsersRoutes(app: TypedApp, users: UsersService, telephony: { pbxState: () => PbxState }): void {
  const tags = ['users'];

  app.get(
    '/api/users/profile',
    { schema: { tags, summary: 'The signed-in user', response: { 200: userSchema, ...errors } } },
    async (request) => toUserDto(await users.getProfile(actorOf(request))),
  );

  app.put(
    '/api/users/profile',
    {
      schema: {
        tags,
        summary:
          'Update your name, phone or password (a new password ends every session, this one included: sign in again)',
        body: updateProfileBodySchema,
        response: { 200: userSchema, ...errors },
      },
    },
    async (request) => {
      const { name, phone, current_password: currentPassword, new_password: newPassword } = request.body;
      return toUserDto(await users.updateProfile(actorOf(request), { name, phone, currentPassword, newPassword }));
    },
  );

  app.get(
    '/api/users/me/device',
    {
      schema: {
        tags: ['devices'],
        summary: 'What your softphone needs to register',
        response: { 200: deviceCredentialsSchema, ...errors },
      },
    },
    async (request) => toCredentialsDto(await users.getMyDeviceCredentials(actorOf(request)), telephony.pbxState()),
  );

  app.get(
    '/api/users',
    {
      schema: {
        tags,
        summary: 'List users of your company (admins and supervisors)',
        querystring: listUsersQuerySchema,
        response: { 200: pageSchema(userSchema), ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, role, is_active: isActive, q } = request.query;
      const page = await users.listUsers(
        actorOf(request),
        { role, isActive: parseBoolean(isActive), search: q },
        { limit, cursor },
      );
      return { items: page.items.map(toUserDto), next_cursor: page.nextCursor };
    },
  );

  app.post(
    '/api/users',
    {
      schema: {
        tags,
        summary: 'Create a user and their SIP device (admins)',
        body: createUserBodySchema,
        response: { 201: userSchema, 409: problemSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { email, name, role, phone, password, device_template: deviceTemplate } = request.body;
      const user = await users.createUser(actorOf(request), { email, name, role, phone, password, deviceTemplate });
      return reply.code(201).header('location', `/api/users/${user.id}`).send(toUserDto(user));
    },
  );

  app.get(
    '/api/users/:id',
    {
      schema: {
        tags,
        summary: 'One user (agents may read only themselves)',
        params: idParamsSchema,
        response: { 200: userSchema, ...errors },
      },
    },
    async (request) => toUserDto(await users.getUser(actorOf(request), request.params.id)),
  );

  app.put(
    '/api/users/:id',
    {
      schema: {
        tags,
        summary: 'Update a user (admins)',
        params: idParamsSchema,
        body: updateUserBodySchema,
        response: { 200: userSchema, 409: problemSchema, ...errors },
      },
    },
    async (request) => {
      const { email, name, role, phone, password, is_active: isActive } = request.body;
      return toUserDto(
        await users.updateUser(actorOf(request), request.params.id, { email, name, role, phone, password, isActive }),
      );
    },
  );

  app.delete(
    '/api/users/:id',
    {
      schema: {
        tags,
        summary: 'Deactivate a user and their SIP device; their history is kept (admins)',
        params: idParamsSchema,
        response: { 204: z.null(), 409: problemSchema, ...errors },
      },
    },
    async (request, reply) => {
      await users.deleteUser(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/users/:id/device',
    {
      schema: {
        tags: ['devices'],
        summary: "A user's SIP device, without its password (admins, or the user)",
        params: idParamsSchema,
        response: { 200: deviceSchema, ...errors },
      },
    },
    async (request) => toDeviceDto(await users.getUserDevice(actorOf(request), request.params.id)),
  );

  app.post(
    '/api/users/:id/device/rotate-password',
    {
      schema: {
        tags: ['devices'],
        summary: 'Give the SIP device a new password; its registrations end (admins, or the user)',
        params: idParamsSchema,
        response: { 200: deviceCredentialsSchema, ...errors },
      },
    },
    async (request) =>
      toCredentialsDto(await users.rotateDevicePassword(actorOf(request), request.params.id), telephony.pbxState()),
  );

  app.patch(
    '/api/users/:id/device',
    {
      schema: {
        tags: ['devices'],
        summary: "Change a SIP device's codecs; Asterisk uses them from the device's next call (admins)",
        params: idParamsSchema,
        body: updateDeviceBodySchema,
        response: { 200: deviceCodecsSchema, ...errors },
      },
    },
    async (request) => {
      const device = await users.setDeviceCodecs(actorOf(request), request.params.id, request.body.codecs);
      return {
        user_id: device.userId,
        sip_username: device.endpointId,
        template: device.template,
        codecs: device.codecs,
      };
    },
  );

  app.get(
    '/api/devices',
    {
      schema: {
        tags: ['devices'],
        summary: "List your company's SIP devices (admins)",
        querystring: listDevicesQuerySchema,
        response: { 200: pageSchema(deviceSchema), ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, template, is_active: isActive } = request.query;
      const page = await users.listDevices(
        actorOf(request),
        { template, isActive: parseBoolean(isActive) },
        { limit, cursor },
      );
      return { items: page.items.map(toDeviceDto), next_cursor: page.nextCursor };
    },
  );
}
