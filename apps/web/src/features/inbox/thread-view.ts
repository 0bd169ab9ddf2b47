/**
 * How a thread reads: messages grouped by day (a separator per day, times only on the
 * bubbles), then by author (a run of messages by the same person shows their name once),
 * and failed sends explained in the agent's language instead of the channel's raw text.
 */
import type { MessageDto } from '@switchboard/contracts';
import type { MessageKey } from '../../shared/i18n/messages-en';

export type AuthorKind = 'contact' | 'me' | 'agent' | 'bot' | 'system';

export interface Author {
  kind: AuthorKind;
  /** The contact's or the agent's name; null for the bot and the system (a translated label). */
  name: string | null;
}

/** Which side of the thread: the contact's (left), ours (right), or a note in the middle. */
export type Side = 'in' | 'out' | 'note';

export interface AuthorGroup {
  key: string;
  author: Author;
  side: Side;
  messages: MessageDto[];
}

export interface DayGroup {
  /** The local calendar day, `YYYY-MM-DD`. */
  day: string;
  groups: AuthorGroup[];
}

export interface AuthorContext {
  meId: string;
  contactName: string | null;
  /** Agent names by user id (from the presence list); an unknown id reads as "Agent". */
  agentNames: Readonly<Record<string, string>>;
}

/** The local calendar day of an instant (the browser's time zone). */
export function dayKey(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function authorOf(message: Pick<MessageDto, 'author_type' | 'author_id'>, context: AuthorContext): Author {
  switch (message.author_type) {
    case 'contact':
      return { kind: 'contact', name: context.contactName };
    case 'bot':
      return { kind: 'bot', name: null };
    case 'system':
      return { kind: 'system', name: null };
    case 'agent':
      if (message.author_id === context.meId) return { kind: 'me', name: null };
      return { kind: 'agent', name: (message.author_id && context.agentNames[message.author_id]) ?? null };
  }
}

export function sideOf(message: Pick<MessageDto, 'direction'>): Side {
  if (message.direction === 'inbound') return 'in';
  return message.direction === 'outbound' ? 'out' : 'note';
}

/** Messages (oldest first) as days, and within a day as runs of one author on one side. */
export function groupThread(messages: readonly MessageDto[], context: AuthorContext): DayGroup[] {
  const days: DayGroup[] = [];
  for (const message of messages) {
    const day = dayKey(message.created_at);
    let current = days[days.length - 1];
    if (!current || current.day !== day) {
      current = { day, groups: [] };
      days.push(current);
    }
    const author = authorOf(message, context);
    const side = sideOf(message);
    const who = `${side}:${author.kind}:${message.author_id ?? ''}`;
    const last = current.groups[current.groups.length - 1];
    if (last && last.key.startsWith(`${who}@`)) {
      last.messages.push(message);
    } else {
      current.groups.push({ key: `${who}@${message.id}`, author, side, messages: [message] });
    }
  }
  return days;
}

/** `today`, `yesterday`, or null for a day to show as a date. */
export function relativeDay(day: string, now: Date): 'today' | 'yesterday' | null {
  if (day === dayKey(now.toISOString())) return 'today';
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  return day === dayKey(yesterday.toISOString()) ? 'yesterday' : null;
}

export type FailureKind =
  | 'unreachable'
  | 'unavailable'
  | 'not_configured'
  | 'no_recipient'
  | 'window_closed'
  | 'not_allowed'
  | 'undeliverable'
  | 'rate_limited'
  | 'auth'
  | 'unsupported'
  | 'template'
  | 'refused'
  | 'unknown';

/** WhatsApp Cloud API error codes (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes). */
const WHATSAPP_CODES: Record<string, FailureKind> = {
  '0': 'auth',
  '190': 'auth',
  '10': 'auth',
  '200': 'auth',
  '4': 'rate_limited',
  '80007': 'rate_limited',
  '130429': 'rate_limited',
  '131048': 'rate_limited',
  '131056': 'rate_limited',
  '470': 'window_closed',
  '131047': 'window_closed',
  '131030': 'not_allowed',
  '131026': 'undeliverable',
  '131051': 'unsupported',
  '131052': 'unsupported',
  '1': 'unavailable',
  '2': 'unavailable',
  '131000': 'unavailable',
  '131016': 'unavailable',
};

/**
 * The server keeps the channel's own words (`WhatsApp unreachable: fetch failed (after 4
 * attempts)`, `WhatsApp refused (HTTP 400): 131047 …`, a status webhook's `131026 …`):
 * this reads the kind of failure out of them, for a translated text.
 */
export function failureKindOf(reason: string | null | undefined): FailureKind {
  if (!reason) return 'unknown';
  if (/^WhatsApp unreachable\b/i.test(reason)) return 'unreachable';
  if (/is not configured|^No provider sends/i.test(reason)) return 'not_configured';
  if (/has no WhatsApp id or phone/i.test(reason)) return 'no_recipient';
  const code = /^(?:WhatsApp refused \(HTTP \d+\): )?(\d{1,6})\b/.exec(reason)?.[1];
  if (code !== undefined) {
    const known = WHATSAPP_CODES[code];
    if (known) return known;
    if (/^132\d{3}$/.test(code)) return 'template';
  }
  const status = /HTTP (\d{3})/.exec(reason)?.[1];
  if (status === '401' || status === '403') return 'auth';
  if (status === '429') return 'rate_limited';
  if (status?.startsWith('5')) return 'unavailable';
  return /^WhatsApp (refused|answered)/i.test(reason) ? 'refused' : 'unknown';
}

export function failureKey(reason: string | null | undefined): MessageKey {
  return `failure.${failureKindOf(reason)}`;
}
