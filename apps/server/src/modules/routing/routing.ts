/**
 * Routing rules, pure: who may take an item (eligibility), in which order the strategy
 * tries them, when a queue is open, when a customer hears their position again, and the
 * figures a supervisor reads. The engine (routing.engine.ts) applies them under row locks.
 */

export const ROUTING_CHANNELS = ['voice', 'whatsapp', 'webchat'] as const;
export type RoutingChannel = (typeof ROUTING_CHANNELS)[number];
export type ChatChannel = Exclude<RoutingChannel, 'voice'>;
export type QueueStrategy = 'longest_idle' | 'least_busy' | 'round_robin' | 'ring_all';
export type OfferMode = 'auto' | 'accept';
export type EntryState = 'waiting' | 'offered' | 'assigned' | 'abandoned' | 'overflowed' | 'completed';
export type OfferState = 'offered' | 'accepted' | 'rejected' | 'expired' | 'cancelled';

export interface RequiredSkill {
  name: string;
  minLevel: number;
}
export type Overflow = { action: 'queue'; queueId: string } | { action: 'voicemail' } | { action: 'callback' };
export interface BusinessHours {
  ranges: { day: number; from: string; to: string }[];
  closedAction: { action: 'message'; text: string | null } | { action: 'voicemail' };
}

export interface Queue {
  id: string;
  companyId: string;
  name: string;
  channels: RoutingChannel[];
  strategy: QueueStrategy;
  offerMode: OfferMode;
  offerTimeoutSeconds: number;
  requiredSkills: RequiredSkill[];
  priority: number;
  serviceLevelSeconds: number;
  serviceLevelTarget: number;
  maxWaitSeconds: number | null;
  overflow: Overflow | null;
  wrapUpSeconds: number;
  announcePosition: boolean;
  businessHours: BusinessHours | null;
  lastChosenAgentId: string | null;
  members: { userId: string; name: string; priority: number }[];
  createdAt: Date;
  updatedAt: Date;
}

export interface QueueEntry {
  id: string;
  companyId: string;
  queueId: string;
  channel: RoutingChannel;
  callId: string | null;
  conversationId: string | null;
  label: string | null;
  priority: number;
  enqueuedAt: Date;
  originalEnqueuedAt: Date;
  isFront: boolean;
  state: EntryState;
  offeredTo: string | null;
  attempts: number;
  declinedBy: string[];
  /** Every agent it was offered or given to, in order. */
  offeredAgents: string[];
  assignedTo: string | null;
  assignedAt: Date | null;
  waitSeconds: number | null;
  endedAt: Date | null;
  endReason: string | null;
  overflowAction: Record<string, unknown> | null;
  isSlaBreached: boolean;
  lastAnnouncedAt: Date | null;
  lastAnnouncedPosition: number | null;
}

export interface Offer {
  id: string;
  companyId: string;
  entryId: string;
  queueId: string;
  agentId: string;
  channel: RoutingChannel;
  state: OfferState;
  isRingAll: boolean;
  offeredAt: Date;
  expiresAt: Date;
}

export type Load = Record<RoutingChannel, number>;
export type Capacity = Record<ChatChannel, number>;

/** A queue member as the engine sees them at decision time. */
export interface Candidate {
  agentId: string;
  /** Lower is tried first (app_queue's penalty). */
  memberPriority: number;
  status: 'online' | 'offline' | 'busy' | 'away';
  isConnected: boolean;
  wrapUpUntil: Date | null;
  lastItemEndedAt: Date | null;
  skills: Record<string, number>;
  capacity: Capacity;
  /** Active items and live offers, per channel. */
  load: Load;
}

export const DEFAULT_CHAT_CAPACITY = 3;
/** Offers in a row an agent may let expire before routing sets them away. */
export const MAX_MISSED_OFFERS = 3;
/** Abandons under this many seconds are counted apart (the industry's short abandon). */
export const SHORT_ABANDON_SECONDS = 5;
export const ANNOUNCE_MIN_INTERVAL_MS = 60_000;
export const SERVICE_LEVEL_WINDOW_MS = 30 * 60_000;

export function hasRequiredSkills(skills: Record<string, number>, required: readonly RequiredSkill[]): boolean {
  return required.every((skill) => (skills[skill.name.toLowerCase()] ?? 0) >= skill.minLevel);
}

/** Room for one more item of `channel`: a call makes the agent busy for everything else. */
export function hasRoom(channel: RoutingChannel, capacity: Capacity, load: Load): boolean {
  if (load.voice > 0) return false;
  if (channel === 'voice') return true;
  return load[channel] < capacity[channel];
}

export function isInWrapUp(candidate: Pick<Candidate, 'wrapUpUntil'>, now: Date): boolean {
  return candidate.wrapUpUntil !== null && candidate.wrapUpUntil.getTime() > now.getTime();
}

/** Online and connected (so not paused), out of wrap-up, with room, holding the skills. */
export function isEligible(
  queue: Pick<Queue, 'requiredSkills'>,
  channel: RoutingChannel,
  candidate: Candidate,
  now: Date,
) {
  return (
    candidate.status === 'online' &&
    candidate.isConnected &&
    !isInWrapUp(candidate, now) &&
    hasRoom(channel, candidate.capacity, candidate.load) &&
    hasRequiredSkills(candidate.skills, queue.requiredSkills)
  );
}

const time = (date: Date | null) => (date === null ? Number.NEGATIVE_INFINITY : date.getTime());
const byId = (a: Candidate, b: Candidate) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0);
const itemsHeld = (c: Candidate) => c.load.voice + c.load.whatsapp + c.load.webchat;
/**
 * Since when the agent is idle: holding an item (a call, a chat, a live offer) is not idle
 * at all; otherwise since their last item on any channel ended (never: longest).
 */
const idleSince = (c: Candidate) => (itemsHeld(c) > 0 ? Number.POSITIVE_INFINITY : time(c.lastItemEndedAt));

/** FNV-1a of a string, finished with murmur3's mix: the same on every node, spread evenly. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * Ties (agents idle since the same instant, or never busy) are broken by a hash of the
 * item and the agent: deterministic, so every node orders them alike, and spread evenly,
 * so the agent first by id does not get every tied item. Without an item id: by id.
 */
function tieBreak(entryId: string | undefined) {
  if (entryId === undefined) return byId;
  return (a: Candidate, b: Candidate) =>
    hashOf(`${entryId}:${a.agentId}`) - hashOf(`${entryId}:${b.agentId}`) || byId(a, b);
}
const chatLoadShare = (c: Candidate) =>
  (c.load.whatsapp + c.load.webchat) / Math.max(1, c.capacity.whatsapp + c.capacity.webchat);

/**
 * The eligible agents in the order the queue's strategy tries them: by member priority
 * tier first, then `longest_idle` (idle longest: no item held, the last one on any channel
 * ended longest ago, never is longest; agents holding items after every idle one),
 * `least_busy` (lowest share of chat capacity in use), `round_robin` (the member after the
 * last one chosen, by a stable order), `ring_all` (every one; the engine rings them all
 * for calls). Agents who already declined this entry come last: they are tried again only
 * when nobody else can take it.
 */
export function orderCandidates(
  queue: Pick<Queue, 'strategy' | 'requiredSkills' | 'lastChosenAgentId'>,
  entry: Pick<QueueEntry, 'channel' | 'declinedBy'> & { id?: string },
  candidates: readonly Candidate[],
  now: Date,
): Candidate[] {
  const eligible = candidates.filter((c) => isEligible(queue, entry.channel, c, now));
  const declined = new Set(entry.declinedBy);
  const tie = tieBreak(entry.id);
  // Infinity - Infinity is NaN, which is falsy: equal idle times fall through to the next key.
  const strategyOrder = (a: Candidate, b: Candidate): number => {
    switch (queue.strategy) {
      case 'least_busy':
        return chatLoadShare(a) - chatLoadShare(b) || time(a.lastItemEndedAt) - time(b.lastItemEndedAt) || tie(a, b);
      case 'round_robin':
        return byId(a, b);
      case 'longest_idle':
      case 'ring_all':
        return (
          idleSince(a) - idleSince(b) ||
          itemsHeld(a) - itemsHeld(b) ||
          time(a.lastItemEndedAt) - time(b.lastItemEndedAt) ||
          tie(a, b)
        );
    }
  };
  const sorted = [...eligible].sort(
    (a, b) =>
      Number(declined.has(a.agentId)) - Number(declined.has(b.agentId)) ||
      a.memberPriority - b.memberPriority ||
      strategyOrder(a, b),
  );
  if (queue.strategy !== 'round_robin' || queue.lastChosenAgentId === null) return sorted;
  return rotateAfter(sorted, queue.lastChosenAgentId);
}

/** Round robin within the first tier: the agent after the last chosen one, wrapping around. */
function rotateAfter(sorted: Candidate[], lastChosenAgentId: string): Candidate[] {
  const first = sorted[0];
  if (!first) return sorted;
  const tierEnd = sorted.findIndex((c) => c.memberPriority !== first.memberPriority);
  const tier = tierEnd === -1 ? sorted : sorted.slice(0, tierEnd);
  const rest = tierEnd === -1 ? [] : sorted.slice(tierEnd);
  const next = tier.findIndex((c) => c.agentId > lastChosenAgentId);
  const start = next === -1 ? 0 : next;
  return [...tier.slice(start), ...tier.slice(0, start), ...rest];
}

/** Where the supervisor's board counts an agent. */
export type AgentState = 'available' | 'busy' | 'wrap_up' | 'paused' | 'offline';

export function agentStateOf(candidate: Candidate, now: Date): AgentState {
  if (candidate.status === 'offline' || !candidate.isConnected) return 'offline';
  if (candidate.status === 'away') return 'paused';
  if (isInWrapUp(candidate, now)) return 'wrap_up';
  if (candidate.status === 'busy') return 'busy';
  const hasChatRoom =
    hasRoom('whatsapp', candidate.capacity, candidate.load) || hasRoom('webchat', candidate.capacity, candidate.load);
  return hasChatRoom ? 'available' : 'busy';
}

/** Whether the queue takes items at `now`, read in the company's IANA time zone. No hours: always. */
export function isOpenAt(hours: BusinessHours | null, timeZone: string, now: Date): boolean {
  if (hours === null) return true;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday'));
  const minute = Number(part('hour')) * 60 + Number(part('minute'));
  return hours.ranges.some(
    (range) => range.day === day && minute >= minutesOf(range.from) && minute < minutesOf(range.to),
  );
}

function minutesOf(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/**
 * Whether a waiting customer hears their position again: on joining, then when it moved
 * by a meaningful amount (two places, or a quarter of it, or they are next), and never
 * twice within a minute.
 */
export function shouldAnnouncePosition(
  last: { at: Date | null; position: number | null },
  position: number,
  now: Date,
): boolean {
  if (last.at === null || last.position === null) return true;
  if (now.getTime() - last.at.getTime() < ANNOUNCE_MIN_INTERVAL_MS) return false;
  const moved = last.position - position;
  return moved >= Math.max(2, Math.ceil(last.position / 4)) || (position === 1 && last.position > 1);
}

/**
 * Estimated wait of the item at `position`: the queue's recent average handle time spread
 * over the agents who can take work, one "turn" per place ahead. Rough on purpose: the
 * customer is told "about N min", rounded up.
 */
export function estimateWaitSeconds(position: number, averageHandleSeconds: number, servingAgents: number): number {
  return Math.ceil((position * averageHandleSeconds) / Math.max(1, servingAgents));
}

export function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
}
