/** Users and SIP devices: domain types and pure rules. */
import type { IceServer } from './ice-servers.js';
import type { Actor, Role } from '../../shared/actor.js';
import { ForbiddenError } from '../../shared/errors.js';

export type SipTemplate = 'webrtc' | 'sip';

export interface DeviceSummary {
  extension: number;
  endpointId: string;
  template: SipTemplate;
  isActive: boolean;
}

export interface User {
  id: string;
  companyId: string;
  email: string;
  name: string;
  role: Role;
  phone: string | null;
  isActive: boolean;
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  device: DeviceSummary | null;
}

export interface Device {
  id: string;
  companyId: string;
  userId: string;
  userName: string;
  extension: number;
  endpointId: string;
  template: SipTemplate;
  isActive: boolean;
  passwordRotatedAt: Date;
  createdAt: Date;
}

export interface DeviceCredentials {
  extension: number;
  template: SipTemplate;
  sipUri: string;
  sipUsername: string;
  sipPassword: string;
  sipDomain: string;
  wssUrl: string | null;
  /** WebRTC devices only; empty for desk phones. */
  iceServers: IceServer[];
  iceExpiresAt: Date | null;
}

export interface UserFilter {
  role?: Role | undefined;
  isActive?: boolean | undefined;
  search?: string | undefined;
}

export function assertAdmin(actor: Actor): void {
  if (actor.role !== 'admin') {
    throw new ForbiddenError('auth.forbidden', 'Only administrators may do this.');
  }
}

/** Admins and supervisors see everyone in their company; agents see themselves. */
export function canViewUser(actor: Actor, userId: string): boolean {
  return actor.role !== 'agent' || actor.userId === userId;
}

export function assertCanView(actor: Actor): void {
  if (actor.role === 'agent') {
    throw new ForbiddenError('auth.forbidden', 'Agents may not list users.');
  }
}

/** Administrators manage devices of anyone in their company; everyone may rotate their own. */
export function canRotateDevicePassword(actor: Actor, userId: string): boolean {
  return actor.role === 'admin' || actor.userId === userId;
}
