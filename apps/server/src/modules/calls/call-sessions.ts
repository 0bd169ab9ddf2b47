/**
 * Monitor sessions (listen, whisper, barge) and consults (attended transfer): their
 * states and the rules that decide them. Pure: no I/O.
 */

export const MONITOR_MODES = ['listen', 'whisper', 'barge'] as const;
export type MonitorMode = (typeof MONITOR_MODES)[number];
export type MonitorStatus = 'ringing' | 'active' | 'ended';

export interface ModeSpan {
  mode: MonitorMode;
  from: string;
  to: string | null;
}

export interface CallMonitor {
  id: string;
  companyId: string;
  callId: string;
  supervisorId: string;
  mode: MonitorMode;
  status: MonitorStatus;
  modes: ModeSpan[];
  supervisorChannelId: string;
  snoopChannelId: string | null;
  bridgeId: string;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  endReason: string | null;
}

/**
 * How a mode is heard through ARI snoop on the agent's channel (ChanSpy's vocabulary:
 * `in` is what the agent's phone sends, `out` what it receives). Listen and whisper hear
 * both; whisper speaks `out`, into what the agent's phone receives, so the customer never
 * hears it. Barge needs no snoop: the supervisor joins the call's bridge.
 */
export function snoopOf(mode: MonitorMode): { spy: 'both'; whisper: 'none' | 'out' } | undefined {
  if (mode === 'barge') return undefined;
  return { spy: 'both', whisper: mode === 'whisper' ? 'out' : 'none' };
}

/** Whether the agent is told someone is coaching (listen stays silent). */
export function isCoaching(mode: MonitorMode): boolean {
  return mode !== 'listen';
}

/** Closes the open span at `at` and opens one for `mode`. */
export function switchSpans(spans: readonly ModeSpan[], mode: MonitorMode, at: Date): ModeSpan[] {
  const iso = at.toISOString();
  return [...spans.map((span) => (span.to === null ? { ...span, to: iso } : span)), { mode, from: iso, to: null }];
}

export function closeSpans(spans: readonly ModeSpan[], at: Date): ModeSpan[] {
  const iso = at.toISOString();
  return spans.map((span) => (span.to === null ? { ...span, to: iso } : span));
}

/** ringing: the target is called; talking: the agent with the target; customer: back with the customer. */
export type ConsultStatus = 'ringing' | 'talking' | 'customer' | 'completed' | 'canceled' | 'failed';
export type ConsultTargetKind = 'extension' | 'number' | 'user';
export const OPEN_CONSULT_STATUSES: readonly ConsultStatus[] = ['ringing', 'talking', 'customer'];
export const ANSWERED_CONSULT_STATUSES: readonly ConsultStatus[] = ['talking', 'customer'];

export interface ConsultStep {
  at: string;
  step: string;
  /** Whom the agent talks to from this moment (null: nobody, e.g. while the target rings). */
  agent_with: 'customer' | 'target' | null;
}

export interface CallConsult {
  id: string;
  companyId: string;
  callId: string;
  agentId: string | null;
  target: string;
  targetKind: ConsultTargetKind;
  targetUserId: string | null;
  channelId: string;
  bridgeId: string;
  status: ConsultStatus;
  endReason: string | null;
  timeline: ConsultStep[];
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
}

export function isConsultOpen(status: ConsultStatus): boolean {
  return OPEN_CONSULT_STATUSES.includes(status);
}

export function addStep(
  timeline: readonly ConsultStep[],
  step: string,
  agentWith: ConsultStep['agent_with'],
  at: Date,
): ConsultStep[] {
  return [...timeline, { at: at.toISOString(), step, agent_with: agentWith }];
}

/** Why a consult that was never answered ended, from the target's Q.850 cause. */
export function unansweredConsultReason(cause: number | null): string {
  if (cause === 17) return 'busy';
  if (cause === 18 || cause === 19) return 'no_answer';
  if (cause === 16 || cause === 21 || cause === 31) return 'rejected';
  return 'failed';
}

/** Short dial strings are extensions of the company; longer ones external numbers. */
export function isExtension(dialed: string): boolean {
  return /^\d{2,6}$/.test(dialed);
}
