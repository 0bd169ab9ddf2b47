/**
 * Calls: the status machine and the rules around it. Asterisk reports what happened
 * through events that may arrive twice or late; `nextStatus` only ever moves a call
 * forward, so a stale or repeated event changes nothing.
 */
import type { Actor } from '../../shared/actor.js';

export const CALL_STATUSES = [
  'initiated',
  'ringing',
  'in_progress',
  'completed',
  'failed',
  'busy',
  'no_answer',
  'canceled',
  'transferred',
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];
export type CallDirection = 'inbound' | 'outbound' | 'internal';
export type EndedBy = 'agent' | 'customer' | 'system';

export const ACTIVE_STATUSES: readonly CallStatus[] = ['initiated', 'ringing', 'in_progress'];
const TERMINAL: ReadonlySet<CallStatus> = new Set([
  'completed',
  'failed',
  'busy',
  'no_answer',
  'canceled',
  'transferred',
]);

const ALLOWED: Record<CallStatus, readonly CallStatus[]> = {
  initiated: ['ringing', 'in_progress', 'failed', 'busy', 'no_answer', 'canceled'],
  ringing: ['in_progress', 'failed', 'busy', 'no_answer', 'canceled'],
  in_progress: ['completed', 'transferred', 'failed'],
  completed: [],
  failed: [],
  busy: [],
  no_answer: [],
  canceled: [],
  transferred: [],
};

export function isTerminal(status: CallStatus): boolean {
  return TERMINAL.has(status);
}

export function isActive(status: CallStatus): boolean {
  return !TERMINAL.has(status);
}

/** The status after `to` is reported, or undefined when the report must be ignored. */
export function nextStatus(from: CallStatus, to: CallStatus): CallStatus | undefined {
  return ALLOWED[from].includes(to) ? to : undefined;
}

export interface Call {
  id: string;
  companyId: string;
  agentId: string | null;
  direction: CallDirection;
  status: CallStatus;
  fromNumber: string;
  toNumber: string;
  asteriskUniqueId: string | null;
  agentChannelId: string | null;
  customerChannelId: string | null;
  asteriskBridgeId: string | null;
  ringingAt: Date | null;
  answeredAt: Date | null;
  endedAt: Date | null;
  durationSeconds: number | null;
  billableSeconds: number | null;
  hangupCause: number | null;
  hangupCauseText: string | null;
  endedBy: EndedBy | null;
  transferredTo: string | null;
  /** Set while the customer is on hold. */
  heldAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  hasRecording: boolean;
}

export interface CallNote {
  id: string;
  callId: string;
  authorId: string;
  authorName: string;
  body: string;
  createdAt: Date;
}

/**
 * Q.850 causes Asterisk reports on hangup, mapped to how the call ended when it was
 * never answered. 16 normal clearing, 17 user busy, 18/19 no answer, 21 rejected.
 */
const UNANSWERED_BY_CAUSE: Record<number, CallStatus> = {
  16: 'canceled',
  17: 'busy',
  18: 'no_answer',
  19: 'no_answer',
  21: 'canceled',
  31: 'canceled',
};

export function unansweredOutcome(cause: number | null): CallStatus {
  return (cause !== null ? UNANSWERED_BY_CAUSE[cause] : undefined) ?? 'failed';
}

/** Seconds between two instants, rounded down, never negative. */
export function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000));
}

/** Agents act on their own calls; supervisors and admins on any call of their company. */
export function canActOnCall(actor: Actor, call: Pick<Call, 'agentId' | 'companyId'>): boolean {
  if (call.companyId !== actor.companyId) return false;
  return actor.role !== 'agent' || call.agentId === actor.userId;
}

/** Digits with an optional leading +, as dialled; anything else is refused by the schema. */
export function normalizeNumber(raw: string): string {
  const trimmed = raw.trim();
  const plus = trimmed.startsWith('+') ? '+' : '';
  return plus + trimmed.replace(/\D/g, '');
}
