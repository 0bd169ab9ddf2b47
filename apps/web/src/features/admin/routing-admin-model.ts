/**
 * The model of Admin › Queues (issue 11's routing configured from the console): a queue's
 * form as the inputs hold it (strings, a percentage, weekly ranges) and back to the API's
 * body, the form's own checks (ring_all only with voice, a range that ends after it
 * starts, an overflow queue when overflowing to a queue), and where each problem+json
 * field (`business_hours.ranges.2.to`, `overflow.queue_id` …) shows on the form.
 */
import { createQueueBodySchema, type CreateQueueBody, type QueueDto } from '@switchboard/contracts';
import type { ApiError } from '../../shared/api/api-error';
import type { FieldErrors } from '../../shared/admin';

export type RoutingChannel = QueueDto['channels'][number];
export type OverflowAction = '' | 'queue' | 'voicemail' | 'callback';

export interface SkillRow {
  name: string;
  level: string;
}

export interface RangeRow {
  day: string;
  from: string;
  to: string;
}

export interface QueueForm {
  name: string;
  channels: RoutingChannel[];
  strategy: QueueDto['strategy'];
  offerMode: QueueDto['offer_mode'];
  offerTimeout: string;
  skills: SkillRow[];
  priority: string;
  slSeconds: string;
  /** The service-level target in percent (80 = 0.8). */
  slTarget: string;
  /** Empty: no maximum wait. */
  maxWait: string;
  overflowAction: OverflowAction;
  overflowQueueId: string;
  wrapUp: string;
  announcePosition: boolean;
  hasHours: boolean;
  ranges: RangeRow[];
  closedAction: 'message' | 'voicemail';
  closedText: string;
}

export const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6] as const;

export function newQueueForm(): QueueForm {
  return {
    name: '',
    channels: ['whatsapp'],
    strategy: 'longest_idle',
    offerMode: 'auto',
    offerTimeout: '20',
    skills: [],
    priority: '0',
    slSeconds: '20',
    slTarget: '80',
    maxWait: '',
    overflowAction: '',
    overflowQueueId: '',
    wrapUp: '0',
    announcePosition: false,
    hasHours: false,
    ranges: [],
    closedAction: 'message',
    closedText: '',
  };
}

export function queueFormOf(queue: QueueDto): QueueForm {
  const hours = queue.business_hours;
  const closed = hours?.closed_action;
  return {
    name: queue.name,
    channels: [...queue.channels],
    strategy: queue.strategy,
    offerMode: queue.offer_mode,
    offerTimeout: String(queue.offer_timeout_seconds),
    skills: queue.required_skills.map((skill) => ({ name: skill.name, level: String(skill.min_level) })),
    priority: String(queue.priority),
    slSeconds: String(queue.service_level_seconds),
    slTarget: String(Math.round(queue.service_level_target * 1000) / 10),
    maxWait: queue.max_wait_seconds === null ? '' : String(queue.max_wait_seconds),
    overflowAction: queue.overflow?.action ?? '',
    overflowQueueId: queue.overflow?.action === 'queue' ? queue.overflow.queue_id : '',
    wrapUp: String(queue.wrap_up_seconds),
    announcePosition: queue.announce_position,
    hasHours: hours !== null,
    ranges: (hours?.ranges ?? []).map((range) => ({ day: String(range.day), from: range.from, to: range.to })),
    closedAction: closed?.action ?? 'message',
    closedText: closed?.action === 'message' ? (closed.text ?? '') : '',
  };
}

/** A number typed in a field; blank is NaN, which the schema refuses on the field. */
const numberOf = (value: string) => (value.trim() === '' ? Number.NaN : Number(value));

/** The API body of the form (every field, so a PATCH sets them all, as a POST does). */
export function queueBodyOf(form: QueueForm) {
  return {
    name: form.name,
    channels: form.channels,
    strategy: form.strategy,
    offer_mode: form.offerMode,
    offer_timeout_seconds: numberOf(form.offerTimeout),
    required_skills: form.skills.map((skill) => ({ name: skill.name, min_level: numberOf(skill.level) })),
    priority: numberOf(form.priority),
    service_level_seconds: numberOf(form.slSeconds),
    service_level_target: numberOf(form.slTarget) / 100,
    max_wait_seconds: form.maxWait.trim() === '' ? null : numberOf(form.maxWait),
    overflow:
      form.overflowAction === ''
        ? null
        : form.overflowAction === 'queue'
          ? { action: 'queue' as const, queue_id: form.overflowQueueId }
          : { action: form.overflowAction },
    wrap_up_seconds: numberOf(form.wrapUp),
    announce_position: form.announcePosition,
    business_hours: form.hasHours
      ? {
          ranges: form.ranges.map((range) => ({ day: Number(range.day), from: range.from, to: range.to })),
          closed_action:
            form.closedAction === 'voicemail'
              ? { action: 'voicemail' as const }
              : { action: 'message' as const, text: form.closedText.trim() ? form.closedText : null },
        }
      : null,
  };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Where an API field (`body.` dropped) shows on the queue form. */
export function queueFieldOf(apiField: string): string {
  const parts = apiField.split('.');
  const [head, index, leaf] = parts;
  switch (head) {
    case 'required_skills':
      return index === undefined ? 'skills' : `skills.${index}.${leaf === 'min_level' ? 'level' : 'name'}`;
    case 'business_hours':
      if (index === 'ranges') return parts[2] === undefined ? 'hours' : `ranges.${parts[2]}.${parts[3] ?? 'day'}`;
      if (index === 'closed_action') return 'closedText';
      return 'hours';
    case 'overflow':
      return index === 'queue_id' ? 'overflowQueueId' : 'overflowAction';
    default:
      return (
        {
          offer_mode: 'offerMode',
          offer_timeout_seconds: 'offerTimeout',
          service_level_seconds: 'slSeconds',
          service_level_target: 'slTarget',
          max_wait_seconds: 'maxWait',
          wrap_up_seconds: 'wrapUp',
          announce_position: 'announcePosition',
        }[head ?? ''] ??
        head ??
        ''
      );
  }
}

export interface QueueMessages {
  ringAllNeedsVoice: string;
  rangeOrder: string;
  overflowQueue: string;
  nameTaken: string;
}

/**
 * The form's own checks, then the contract's: each problem on its field. Empty when the
 * body may be sent.
 */
export function checkQueueForm(form: QueueForm, messages: QueueMessages): FieldErrors {
  const errors: FieldErrors = {};
  const parsed = createQueueBodySchema.safeParse(queueBodyOf(form));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = queueFieldOf(issue.path.map(String).join('.'));
      errors[field] ??= issue.message;
    }
  }
  if (form.strategy === 'ring_all' && !form.channels.includes('voice')) errors.strategy = messages.ringAllNeedsVoice;
  if (form.overflowAction === 'queue' && !form.overflowQueueId) errors.overflowQueueId = messages.overflowQueue;
  form.ranges.forEach((range, index) => {
    const key = `ranges.${index}.to`;
    if (!errors[key] && !errors[`ranges.${index}.from`] && minutesOf(range.to) <= minutesOf(range.from)) {
      errors[key] = messages.rangeOrder;
    }
  });
  return errors;
}

/** The server's refusal on the form's fields: validation problems by field, known codes on theirs. */
export function queueFieldErrorsOf(failure: ApiError, messages: QueueMessages): FieldErrors {
  const errors: FieldErrors = {};
  for (const [field, message] of Object.entries(failure.fieldErrors)) errors[queueFieldOf(field)] = message;
  if (failure.code === 'queue.name_taken') errors.name = messages.nameTaken;
  if (failure.code === 'queue.not_found' && failure.status === 404) errors.overflowQueueId = failure.message;
  return errors;
}

export type QueueBody = CreateQueueBody;

/** Strategies the queue's channels allow: ring_all rings phones, so only with voice. */
export function strategiesFor(channels: readonly RoutingChannel[]): QueueDto['strategy'][] {
  return channels.includes('voice')
    ? ['longest_idle', 'least_busy', 'round_robin', 'ring_all']
    : ['longest_idle', 'least_busy', 'round_robin'];
}

/** Working days 08:00–18:00, a common start for the hours editor. */
export function weekdayRanges(): RangeRow[] {
  return [1, 2, 3, 4, 5].map((day) => ({ day: String(day), from: '08:00', to: '18:00' }));
}

/** Members of a queue as the dialog edits them: who, in which priority, ordered by priority then name. */
export interface MemberRow {
  user_id: string;
  name: string;
  priority: string;
}

export function membersBodyOf(rows: readonly MemberRow[]) {
  return rows.map((row) => ({ user_id: row.user_id, priority: numberOf(row.priority) }));
}

export function sortMembers<T extends { name: string; priority: number }>(members: readonly T[]): T[] {
  return [...members].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
}

/** Skills of an agent as the routing dialog edits them, to `PUT /api/users/:id/skills`. */
export function skillsBodyOf(rows: readonly SkillRow[]) {
  return rows.map((row) => ({ name: row.name, level: numberOf(row.level) }));
}

/** Where an API field of the skills or capacity body shows on the agent's routing form. */
export function profileFieldOf(apiField: string, body: 'skills' | 'capacity'): string {
  if (body === 'capacity') return apiField.replace(/^capacity\./, 'capacity.');
  const match = /^(\d+)\.(name|level)$/.exec(apiField);
  return match ? `skills.${match[1]}.${match[2]}` : 'skills';
}
