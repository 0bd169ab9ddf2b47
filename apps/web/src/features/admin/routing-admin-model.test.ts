import { describe, expect, it } from 'vitest';
import type { QueueDto } from '@switchboard/contracts';
import { ApiError } from '../../shared/api/api-error';
import {
  checkQueueForm,
  newQueueForm,
  profileFieldOf,
  queueBodyOf,
  queueFieldErrorsOf,
  queueFieldOf,
  queueFormOf,
  sortMembers,
  strategiesFor,
  weekdayRanges,
} from './routing-admin-model';

const messages = {
  ringAllNeedsVoice: 'ring all needs voice',
  rangeOrder: 'after the start',
  overflowQueue: 'pick a queue',
  nameTaken: 'name taken',
};
const OTHER = '00000000-0000-4000-8000-000000000002';

const queue: QueueDto = {
  id: '00000000-0000-4000-8000-000000000001',
  name: 'Suporte',
  channels: ['voice', 'whatsapp'],
  strategy: 'ring_all',
  offer_mode: 'accept',
  offer_timeout_seconds: 30,
  required_skills: [{ name: 'espanhol', min_level: 5 }],
  priority: 10,
  service_level_seconds: 30,
  service_level_target: 0.85,
  max_wait_seconds: 300,
  overflow: { action: 'queue', queue_id: OTHER },
  wrap_up_seconds: 15,
  announce_position: true,
  business_hours: {
    ranges: [{ day: 1, from: '08:00', to: '18:00' }],
    closed_action: { action: 'message', text: 'Fechado' },
  },
  members: [],
  created_at: '2026-12-03T10:00:00.000Z',
  updated_at: '2026-12-03T10:00:00.000Z',
};

describe('the queue form', () => {
  it('gives back the same queue it was filled from, every field', () => {
    const { id: _id, members: _m, created_at: _c, updated_at: _u, ...fields } = queue;
    expect(queueBodyOf(queueFormOf(queue))).toEqual(fields);
    expect(checkQueueForm(queueFormOf(queue), messages)).toEqual({});
  });

  it('sends the defaults of a new queue with its name, no hours, no overflow', () => {
    const body = queueBodyOf({ ...newQueueForm(), name: 'Vendas' });
    expect(body).toEqual({
      name: 'Vendas',
      channels: ['whatsapp'],
      strategy: 'longest_idle',
      offer_mode: 'auto',
      offer_timeout_seconds: 20,
      required_skills: [],
      priority: 0,
      service_level_seconds: 20,
      service_level_target: 0.8,
      max_wait_seconds: null,
      overflow: null,
      wrap_up_seconds: 0,
      announce_position: false,
      business_hours: null,
    });
  });

  it('puts each problem on its own field: ring_all without voice, range order, overflow queue, bad numbers', () => {
    const form = {
      ...newQueueForm(),
      name: '',
      channels: ['whatsapp' as const],
      strategy: 'ring_all' as const,
      overflowAction: 'queue' as const,
      slTarget: '120',
      skills: [{ name: 'x', level: '11' }],
      hasHours: true,
      ranges: [
        { day: '1', from: '08:00', to: '18:00' },
        { day: '2', from: '18:00', to: '08:00' },
        { day: '3', from: '8h', to: '18:00' },
      ],
    };
    const errors = checkQueueForm(form, messages);
    expect(Object.keys(errors).sort()).toEqual(
      ['name', 'strategy', 'overflowQueueId', 'slTarget', 'skills.0.level', 'ranges.1.to', 'ranges.2.from'].sort(),
    );
    expect(errors.strategy).toBe('ring all needs voice');
    expect(errors['ranges.1.to']).toBe('after the start');
    expect(errors.overflowQueueId).toBe('pick a queue');
  });

  it('accepts 24:00 as the end of a day', () => {
    const form = { ...newQueueForm(), name: 'N', hasHours: true, ranges: [{ day: '0', from: '00:00', to: '24:00' }] };
    expect(checkQueueForm(form, messages)).toEqual({});
  });

  it('maps the server’s problem+json fields onto the form', () => {
    expect(queueFieldOf('business_hours.ranges.2.to')).toBe('ranges.2.to');
    expect(queueFieldOf('business_hours.closed_action.text')).toBe('closedText');
    expect(queueFieldOf('business_hours')).toBe('hours');
    expect(queueFieldOf('required_skills.1.min_level')).toBe('skills.1.level');
    expect(queueFieldOf('overflow.queue_id')).toBe('overflowQueueId');
    expect(queueFieldOf('service_level_target')).toBe('slTarget');
    expect(queueFieldOf('name')).toBe('name');
    const invalid = new ApiError(400, 'request.invalid', 'invalid', {
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      code: 'request.invalid',
      errors: [{ field: 'body.overflow.queue_id', message: 'must be another queue' }],
    });
    expect(queueFieldErrorsOf(invalid, messages)).toEqual({ overflowQueueId: 'must be another queue' });
    expect(queueFieldErrorsOf(new ApiError(409, 'queue.name_taken', 'The name is in use.'), messages)).toEqual({
      name: 'name taken',
    });
  });

  it('offers ring_all only with voice', () => {
    expect(strategiesFor(['whatsapp'])).not.toContain('ring_all');
    expect(strategiesFor(['whatsapp', 'voice'])).toContain('ring_all');
  });

  it('starts business hours on working days, 08:00 to 18:00', () => {
    expect(weekdayRanges().map((range) => range.day)).toEqual(['1', '2', '3', '4', '5']);
  });
});

describe('members and agent skills', () => {
  it('orders members by priority, then name', () => {
    const sorted = sortMembers([
      { name: 'Caio', priority: 1 },
      { name: 'Bia', priority: 0 },
      { name: 'Ana', priority: 1 },
    ]);
    expect(sorted.map((m) => m.name)).toEqual(['Bia', 'Ana', 'Caio']);
  });

  it('maps the skills and capacity bodies’ fields onto the agent’s form', () => {
    expect(profileFieldOf('1.level', 'skills')).toBe('skills.1.level');
    expect(profileFieldOf('', 'skills')).toBe('skills');
    expect(profileFieldOf('capacity.webchat', 'capacity')).toBe('capacity.webchat');
  });
});
