import { auditActorOf } from '../audit/index.js';
import { iceConfigurationFor, NO_ICE, type IceSettings } from './ice-servers.js';
import { isUniqueViolation } from '../../db/driver-results.js';
import type { Actor, Role } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import type { EventPublisher } from '../../shared/events.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { decodeCursor, toPage, type Page } from '../../shared/pagination.js';
import { sessionsRevoked, type RevocationReason } from '../../shared/sessions.js';
import { assertStrongPassword, type Account, type PasswordHasher } from '../auth/index.js';
import type { CompanyRow, UsersRepository } from './users.repository.js';
import {
  buildPjsipRows,
  callerIdFor,
  endpointIdFor,
  generateSipPassword,
  generateSipPrefix,
  allowOf,
  type PjsipSettings,
} from './sip-device.js';
import {
  assertAdmin,
  assertCanView,
  canRotateDevicePassword,
  canViewUser,
  type Device,
  type DeviceCredentials,
  type SipTemplate,
  type User,
  type UserFilter,
} from './users.js';

export interface SipSettings extends PjsipSettings {
  domain: string;
  wssUrl: string;
  defaultTemplate: SipTemplate;
  /** STUN/TURN for WebRTC devices; absent: none. */
  ice?: IceSettings;
}

export interface UsersServiceDeps {
  repository: UsersRepository;
  hasher: PasswordHasher;
  clock: Clock;
  logger: Logger;
  /** Where ended sessions are announced (deactivation, role or password change). */
  events: EventPublisher;
  sip: SipSettings;
}

export interface CreateUserInput {
  email: string;
  name: string;
  role: Role;
  phone?: string | undefined;
  password: string;
  deviceTemplate?: SipTemplate | undefined;
}

export interface UpdateUserInput {
  email?: string | undefined;
  name?: string | undefined;
  role?: Role | undefined;
  phone?: string | null | undefined;
  password?: string | undefined;
  isActive?: boolean | undefined;
}

export interface UpdateProfileInput {
  name?: string | undefined;
  phone?: string | null | undefined;
  currentPassword?: string | undefined;
  newPassword?: string | undefined;
}

const USER_NOT_FOUND = 'user.not_found';

export class UsersService {
  constructor(private readonly deps: UsersServiceDeps) {}

  /** Creates a tenant with its first administrator (first start, or sign-up). */
  async createCompanyWithAdmin(input: {
    companyName: string;
    name: string;
    email: string;
    password: string;
  }): Promise<Account> {
    assertStrongPassword(input.password, [input.email, input.name, input.companyName], 'body.password');
    const passwordHash = await this.deps.hasher.hash(input.password);
    const now = this.deps.clock.now();
    const userId = newId();
    await this.translateConflicts(() =>
      this.deps.repository.transaction(async (repo) => {
        const company = await repo.insertCompany({
          id: newId(),
          name: input.companyName,
          sipPrefix: generateSipPrefix(),
          createdAt: now,
          updatedAt: now,
        });
        await this.insertUserWithDevice(repo, company, {
          id: userId,
          email: input.email,
          name: input.name,
          role: 'admin',
          phone: null,
          passwordHash,
          template: this.deps.sip.defaultTemplate,
          now,
        });
      }),
    );
    const account = await this.deps.repository.findAccountByEmail(input.email);
    if (!account) throw new Error('company admin vanished after insert');
    return account;
  }

  async countCompanies(): Promise<number> {
    return this.deps.repository.countCompanies();
  }

  async createUser(actor: Actor, input: CreateUserInput): Promise<User> {
    assertAdmin(actor);
    assertStrongPassword(input.password, [input.email, input.name], 'body.password');
    const passwordHash = await this.deps.hasher.hash(input.password);
    const now = this.deps.clock.now();
    const userId = newId();
    await this.translateConflicts(() =>
      this.deps.repository.transaction(async (repo) => {
        const company = await repo.lockCompany(actor.companyId);
        if (!company) throw new NotFoundError('company.not_found', 'The company does not exist.');
        await this.insertUserWithDevice(repo, company, {
          id: userId,
          email: input.email,
          name: input.name,
          role: input.role,
          phone: input.phone ?? null,
          passwordHash,
          template: input.deviceTemplate ?? this.deps.sip.defaultTemplate,
          now,
        });
      }),
    );
    this.deps.logger.info({ companyId: actor.companyId, userId, byUserId: actor.userId }, 'user created');
    return this.getUserOrThrow(actor.companyId, userId);
  }

  async getUser(actor: Actor, userId: string): Promise<User> {
    if (!canViewUser(actor, userId)) {
      // An agent asking for someone else learns nothing about whether they exist.
      throw new NotFoundError(USER_NOT_FOUND, 'No such user.');
    }
    return this.getUserOrThrow(actor.companyId, userId);
  }

  async listUsers(
    actor: Actor,
    filter: UserFilter,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<Page<User>> {
    assertCanView(actor);
    const rows = await this.deps.repository.listUsers(actor.companyId, filter, decodeCursor(page.cursor), page.limit);
    return toPage(rows, page.limit);
  }

  async updateUser(actor: Actor, userId: string, input: UpdateUserInput): Promise<User> {
    assertAdmin(actor);
    if (input.password) {
      assertStrongPassword(input.password, [input.email ?? '', input.name ?? ''], 'body.password');
    }
    const passwordHash = input.password ? await this.deps.hasher.hash(input.password) : undefined;
    const now = this.deps.clock.now();
    let endedBecause: RevocationReason | undefined;
    await this.translateConflicts(() =>
      this.deps.repository.transaction(async (repo) => {
        const company = await repo.lockCompany(actor.companyId);
        const current = await repo.findUserRow(actor.companyId, userId);
        if (!company || !current) throw new NotFoundError(USER_NOT_FOUND, 'No such user.');
        const isLosingAdmin =
          current.role === 'admin' &&
          current.isActive &&
          ((input.role !== undefined && input.role !== 'admin') || input.isActive === false);
        if (isLosingAdmin && (await repo.countActiveAdmins(actor.companyId)) <= 1) {
          throw new ConflictError('user.last_admin', 'The company must keep at least one active administrator.');
        }
        if (input.isActive === false && userId === actor.userId) {
          throw new ConflictError('user.cannot_deactivate_self', 'Administrators cannot deactivate their own account.');
        }
        const isDeactivating = input.isActive === false && current.isActive;
        const isReactivating = input.isActive === true && !current.isActive;
        // Open sockets joined rooms for the old role, or belong to sessions that just ended.
        if (isDeactivating) endedBecause = 'deactivated';
        else if (passwordHash) endedBecause = 'password_changed';
        else if (input.role !== undefined && input.role !== current.role) endedBecause = 'role_changed';
        await repo.updateUser(actor.companyId, userId, {
          ...(input.email !== undefined ? { email: input.email } : {}),
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.role !== undefined ? { role: input.role } : {}),
          ...(input.phone !== undefined ? { phone: input.phone } : {}),
          ...(passwordHash ? { passwordHash, tokensValidAfter: now } : {}),
          ...(isDeactivating ? { isActive: false, deactivatedAt: now, tokensValidAfter: now } : {}),
          ...(isReactivating ? { isActive: true, deactivatedAt: null } : {}),
          updatedAt: now,
        });
        if (input.role !== undefined && input.role !== current.role) {
          await repo.recordAudit({
            companyId: actor.companyId,
            actor: auditActorOf(actor),
            action: 'user.role_changed',
            target: { type: 'user', id: userId },
            details: { from: current.role, to: input.role },
          });
        }
        const device = await repo.findActiveDevice(actor.companyId, userId);
        if (isDeactivating && device) await repo.deactivateDevice(device, now);
        if (isReactivating) {
          // The user comes back on the kind of phone they had (a desk phone stays a desk phone).
          const template =
            (await repo.findLatestDeviceTemplate(actor.companyId, userId)) ?? this.deps.sip.defaultTemplate;
          await this.insertDevice(repo, company, userId, input.name ?? current.name, template, now);
        }
        if (!isDeactivating && device && input.name !== undefined && input.name !== current.name) {
          await repo.setDeviceCallerId(device, callerIdFor(input.name, device.extension));
        }
      }),
    );
    this.deps.logger.info({ companyId: actor.companyId, userId, byUserId: actor.userId }, 'user updated');
    if (endedBecause) await this.announceEndedSessions(actor.companyId, userId, endedBecause);
    return this.getUserOrThrow(actor.companyId, userId);
  }

  /** Deactivates the user and their SIP device; their history stays. */
  async deleteUser(actor: Actor, userId: string): Promise<void> {
    assertAdmin(actor);
    if (actor.userId === userId) {
      throw new ConflictError('user.cannot_delete_self', 'Administrators cannot delete their own account.');
    }
    await this.getUserOrThrow(actor.companyId, userId);
    await this.updateUser(actor, userId, { isActive: false });
  }

  async getProfile(actor: Actor): Promise<User> {
    return this.getUserOrThrow(actor.companyId, actor.userId);
  }

  async updateProfile(actor: Actor, input: UpdateProfileInput): Promise<User> {
    const current = await this.deps.repository.findUserRow(actor.companyId, actor.userId);
    if (!current) throw new NotFoundError(USER_NOT_FOUND, 'No such user.');
    let passwordHash: string | undefined;
    if (input.newPassword !== undefined) {
      const isCurrentValid =
        input.currentPassword !== undefined &&
        (await this.deps.hasher.verify(current.passwordHash, input.currentPassword));
      if (!isCurrentValid) {
        throw new ValidationError('user.wrong_password', 'The current password is incorrect.', [
          { field: 'body.current_password', message: 'incorrect' },
        ]);
      }
      assertStrongPassword(input.newPassword, [current.email, current.name], 'body.new_password');
      passwordHash = await this.deps.hasher.hash(input.newPassword);
    }
    const now = this.deps.clock.now();
    await this.deps.repository.transaction(async (repo) => {
      await repo.updateUser(actor.companyId, actor.userId, {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.phone !== undefined ? { phone: input.phone } : {}),
        // A password change ends other sessions; the caller signs in again.
        ...(passwordHash ? { passwordHash, tokensValidAfter: now } : {}),
        updatedAt: now,
      });
      const device = await repo.findActiveDevice(actor.companyId, actor.userId);
      if (device && input.name !== undefined && input.name !== current.name) {
        await repo.setDeviceCallerId(device, callerIdFor(input.name, device.extension));
      }
    });
    if (passwordHash) await this.announceEndedSessions(actor.companyId, actor.userId, 'password_changed');
    return this.getUserOrThrow(actor.companyId, actor.userId);
  }

  async getMyDeviceCredentials(actor: Actor): Promise<DeviceCredentials> {
    const device = await this.deps.repository.findActiveDevice(actor.companyId, actor.userId);
    if (!device) throw new NotFoundError('device.not_found', 'You have no active SIP device.');
    return this.credentialsOf(actor.userId, device, device.password);
  }

  async getUserDevice(actor: Actor, userId: string): Promise<Device> {
    if (!canRotateDevicePassword(actor, userId)) throw new NotFoundError(USER_NOT_FOUND, 'No such user.');
    const user = await this.getUserOrThrow(actor.companyId, userId);
    const device = await this.deps.repository.findActiveDevice(actor.companyId, userId);
    if (!device) throw new NotFoundError('device.not_found', 'The user has no active SIP device.');
    return {
      id: device.id,
      companyId: device.companyId,
      userId,
      userName: user.name,
      extension: device.extension,
      endpointId: device.endpointId,
      template: device.template,
      isActive: device.isActive,
      passwordRotatedAt: device.passwordRotatedAt,
      createdAt: device.createdAt,
    };
  }

  async rotateDevicePassword(actor: Actor, userId: string): Promise<DeviceCredentials> {
    if (!canRotateDevicePassword(actor, userId)) throw new NotFoundError(USER_NOT_FOUND, 'No such user.');
    const password = generateSipPassword();
    const now = this.deps.clock.now();
    const device = await this.deps.repository.transaction(async (repo) => {
      const found = await repo.findActiveDevice(actor.companyId, userId);
      if (!found) throw new NotFoundError('device.not_found', 'The user has no active SIP device.');
      await repo.setDevicePassword(found, password, now);
      return found;
    });
    this.deps.logger.info(
      { companyId: actor.companyId, userId, endpointId: device.endpointId, byUserId: actor.userId },
      'SIP password rotated',
    );
    return this.credentialsOf(userId, device, password);
  }

  /** The codecs Asterisk offers and accepts on the user's device, from its next call (admins). */
  async setDeviceCodecs(
    actor: Actor,
    userId: string,
    codecs: readonly string[],
  ): Promise<{ userId: string; endpointId: string; template: SipTemplate; codecs: string[] }> {
    assertAdmin(actor);
    const device = await this.deps.repository.transaction(async (repo) => {
      const found = await repo.findActiveDevice(actor.companyId, userId);
      if (!found) throw new NotFoundError('device.not_found', 'The user has no active SIP device.');
      await repo.setDeviceCodecs(found, allowOf(codecs));
      return found;
    });
    this.deps.logger.info(
      { companyId: actor.companyId, userId, endpointId: device.endpointId, codecs, byUserId: actor.userId },
      'SIP device codecs changed',
    );
    return { userId, endpointId: device.endpointId, template: device.template, codecs: [...codecs] };
  }

  async listDevices(
    actor: Actor,
    filter: { template?: SipTemplate | undefined; isActive?: boolean | undefined },
    page: { cursor?: string | undefined; limit: number },
  ): Promise<Page<Device>> {
    assertAdmin(actor);
    const rows = await this.deps.repository.listDevices(actor.companyId, filter, decodeCursor(page.cursor), page.limit);
    return toPage(rows, page.limit);
  }

  /**
   * Tells every node to close the user's sockets. The change is committed already; if the
   * announcement fails the sockets last until their token expires, which is logged.
   */
  private async announceEndedSessions(companyId: string, userId: string, reason: RevocationReason): Promise<void> {
    try {
      await this.deps.events.publish(sessionsRevoked({ companyId, userId, sessionId: null, reason }));
    } catch (error) {
      this.deps.logger.error({ err: error, userId, reason }, 'session revocation not announced');
    }
  }

  private async getUserOrThrow(companyId: string, userId: string): Promise<User> {
    const user = await this.deps.repository.findUser(companyId, userId);
    if (!user) throw new NotFoundError(USER_NOT_FOUND, 'No such user.');
    return user;
  }

  private credentialsOf(
    userId: string,
    device: { extension: number; template: SipTemplate; endpointId: string },
    password: string,
  ): DeviceCredentials {
    const { domain, wssUrl, ice = NO_ICE } = this.deps.sip;
    const { extension, template, endpointId } = device;
    const isWebrtc = template === 'webrtc';
    const { iceServers, expiresAt } = isWebrtc
      ? iceConfigurationFor(ice, userId, this.deps.clock.now())
      : { iceServers: [], expiresAt: null };
    return {
      extension,
      template,
      sipUri: `sip:${endpointId}@${domain}`,
      sipUsername: endpointId,
      sipPassword: password,
      sipDomain: domain,
      wssUrl: isWebrtc ? wssUrl : null,
      iceServers,
      iceExpiresAt: expiresAt,
    };
  }

  private async insertUserWithDevice(
    repo: UsersRepository,
    company: CompanyRow,
    user: {
      id: string;
      email: string;
      name: string;
      role: Role;
      phone: string | null;
      passwordHash: string;
      template: SipTemplate;
      now: Date;
    },
  ): Promise<void> {
    await repo.insertUser({
      id: user.id,
      companyId: company.id,
      email: user.email,
      name: user.name,
      role: user.role,
      phone: user.phone,
      passwordHash: user.passwordHash,
      tokensValidAfter: user.now,
      createdAt: user.now,
      updatedAt: user.now,
    });
    await this.insertDevice(repo, company, user.id, user.name, user.template, user.now);
  }

  private async insertDevice(
    repo: UsersRepository,
    company: CompanyRow,
    userId: string,
    displayName: string,
    template: SipTemplate,
    now: Date,
  ): Promise<void> {
    const extension = pickFreeExtension(
      await repo.activeExtensions(company.id),
      company.extensionRangeStart,
      company.extensionRangeEnd,
    );
    const endpointId = endpointIdFor(company.sipPrefix, extension);
    const rows = buildPjsipRows({
      endpointId,
      password: generateSipPassword(),
      template,
      extension,
      displayName,
      companyId: company.id,
      sipPrefix: company.sipPrefix,
      settings: this.deps.sip,
    });
    await repo.insertDevice(
      { id: newId(), companyId: company.id, userId, extension, endpointId, template, createdAt: now, updatedAt: now },
      rows,
    );
  }

  private async translateConflicts<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_key')) {
        throw new ConflictError('user.email_taken', 'A user with this email already exists.');
      }
      if (isUniqueViolation(error)) {
        throw new ConflictError('device.conflict', 'The SIP device could not be allocated; try again.');
      }
      throw error;
    }
  }
}

/** The lowest extension of the range not held by an active device. */
export function pickFreeExtension(inUse: number[], start: number, end: number): number {
  const taken = new Set(inUse);
  for (let extension = start; extension <= end; extension += 1) {
    if (!taken.has(extension)) return extension;
  }
  throw new ConflictError('device.extensions_exhausted', `Every extension from ${start} to ${end} is in use.`);
}
