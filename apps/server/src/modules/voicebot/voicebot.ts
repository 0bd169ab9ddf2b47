/**
 * The voice bot's domain: who may see media sessions, the intercom's company data (units,
 * residents, settings), intercom calls with their outcome and transcript, and the pure
 * rules over them.
 */
import type { Actor } from '../../shared/actor.js';
import { ForbiddenError } from '../../shared/errors.js';
import type { MediaSessionView } from './voicebot.ports.js';

/**
 * Who may see or end a media session: the intercom's own integrations (API key) see all;
 * admins and supervisors see the sessions their company's voice bot tagged as theirs.
 */
export type MediaCaller = { kind: 'api_key' } | { kind: 'user'; actor: Actor };

export function canSeeSession(caller: MediaCaller, session: MediaSessionView): boolean {
  if (caller.kind === 'api_key') return true;
  const { actor } = caller;
  return actor.role !== 'agent' && session.intentData.company_id === actor.companyId;
}

export function assertAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new ForbiddenError('auth.forbidden', 'Only administrators may do this.');
}

/** Admins manage the intercom; supervisors read it; agents do not see it. */
export function assertCanRead(actor: Actor): void {
  if (actor.role === 'agent') {
    throw new ForbiddenError('auth.forbidden', 'Only administrators and supervisors may see the intercom.');
  }
}

export interface Unit {
  id: string;
  companyId: string;
  number: string;
  label: string | null;
  residentCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Resident {
  id: string;
  companyId: string;
  unitId: string;
  unitNumber: string;
  name: string;
  phone: string | null;
  sipExtension: string | null;
  priority: number;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** How the PBX reaches a resident: their SIP extension first, else their phone. */
export type ResidentTarget = { kind: 'sip'; extension: string } | { kind: 'phone'; number: string };

export function residentTargetOf(resident: Pick<Resident, 'phone' | 'sipExtension'>): ResidentTarget | undefined {
  if (resident.sipExtension) return { kind: 'sip', extension: resident.sipExtension };
  if (resident.phone) return { kind: 'phone', number: resident.phone.replace(/[ ()-]/g, '') };
  return undefined;
}

/** `ap 12b` and `12B` are the same unit: trimmed, upper case, single spaces. */
export function normalizeUnitNumber(value: string): string {
  return value.trim().replace(/\s+/g, ' ').toUpperCase();
}

export interface IntercomSettings {
  companyId: string;
  intercomUuid: string;
  gateWebhookUrl: string | null;
  gateWebhookSecret: string | null;
  updatedAt: Date;
}

export function isGateConfigured(
  settings: Pick<IntercomSettings, 'gateWebhookUrl' | 'gateWebhookSecret'> | undefined,
): settings is { gateWebhookUrl: string; gateWebhookSecret: string } {
  return Boolean(settings?.gateWebhookUrl && settings.gateWebhookSecret);
}

export const INTERCOM_OUTCOMES = ['authorized', 'denied', 'no_answer', 'abandoned', 'failed'] as const;
export type IntercomOutcome = (typeof INTERCOM_OUTCOMES)[number];

/**
 * Why an intercom call ended, finer than its outcome:
 * - `completed`: the resident decided and both parties were told (authorized or denied).
 * - `visitor_hung_up`, `hangup_requested` (POST /api/hangup), `visitor_silent`, `test_hangup`: abandoned.
 * - `resident_no_answer`, `resident_undecided`, `resident_hung_up`: no answer.
 * - `unit_not_found`, `no_resident`, `dial_failed`, `max_duration`, `server_stopping`, `error`: failed.
 */
export type IntercomEndReason =
  | 'completed'
  | 'visitor_hung_up'
  | 'hangup_requested'
  | 'visitor_silent'
  | 'test_hangup'
  | 'resident_no_answer'
  | 'resident_undecided'
  | 'resident_hung_up'
  | 'unit_not_found'
  | 'no_resident'
  | 'dial_failed'
  | 'max_duration'
  | 'server_stopping'
  | 'error';

export type GateStatus = 'not_requested' | 'not_configured' | 'opened' | 'failed';

export type TranscriptSpeaker = 'bot' | 'visitor' | 'resident' | 'system';
export type TranscriptKind = 'speech' | 'dtmf' | 'recording' | 'event';
export type Leg = 'visitor' | 'resident';

export interface TranscriptLine {
  seq: number;
  who: TranscriptSpeaker;
  leg: Leg;
  kind: TranscriptKind;
  text: string;
  at: Date;
}

export interface IntercomCall {
  id: string;
  companyId: string;
  status: 'in_progress' | 'completed';
  outcome: IntercomOutcome | null;
  endReason: IntercomEndReason | null;
  visitorAudiosocketUuid: string;
  residentAudiosocketUuid: string | null;
  unitId: string | null;
  unitNumber: string | null;
  residentId: string | null;
  residentName: string | null;
  visitorName: string | null;
  purpose: string | null;
  gateStatus: GateStatus;
  gateAttempts: number;
  gateHttpStatus: number | null;
  gateError: string | null;
  gateAt: Date | null;
  startedAt: Date;
  residentAnsweredAt: Date | null;
  endedAt: Date | null;
}

export function outcomeOf(reason: IntercomEndReason, decision: 'authorized' | 'denied' | undefined): IntercomOutcome {
  if (decision) return decision;
  switch (reason) {
    case 'completed':
    case 'error':
    case 'unit_not_found':
    case 'no_resident':
    case 'dial_failed':
    case 'max_duration':
    case 'server_stopping':
      return 'failed';
    case 'visitor_hung_up':
    case 'hangup_requested':
    case 'visitor_silent':
    case 'test_hangup':
      return 'abandoned';
    case 'resident_no_answer':
    case 'resident_undecided':
    case 'resident_hung_up':
      return 'no_answer';
  }
}
