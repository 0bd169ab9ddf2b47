import {
  agentPresenceSchema,
  listPresenceQuerySchema,
  problemSchema,
  setPresenceStatusBodySchema,
} from '@switchboard/contracts';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import { toPresenceDto } from './presence.dto.js';
import type { PresenceService } from './presence.service.js';

const errors = { 400: problemSchema, 401: problemSchema, 404: problemSchema };

const parseBoolean = (value: 'true' | 'false' | undefined) => (value === undefined ? undefined : value === 'true');

export function registerPresenceRoutes(app: TypedApp, presence: PresenceService): void {
  const tags = ['presence'];

  app.get(
    '/api/presence/me',
    { schema: { tags, summary: 'Your presence', response: { 200: agentPresenceSchema, ...errors } } },
    async (request) => toPresenceDto(await presence.getMine(actorOf(request))),
  );

  app.post(
    '/api/presence/status',
    {
      schema: {
        tags,
        summary: 'Set your status and its message; colleagues receive agent_presence_changed',
        body: setPresenceStatusBodySchema,
        response: { 200: agentPresenceSchema, ...errors },
      },
    },
    async (request) => {
      const { status, message, pause_reason_id: pauseReasonId } = request.body;
      return toPresenceDto(
        await presence.setStatus(actorOf(request), { status, message, pauseReasonId, isChosenByAgent: true }),
      );
    },
  );

  app.post(
    '/api/presence/heartbeat',
    {
      schema: {
        tags,
        summary: 'Keep your presence alive (every 30 s; an open Socket.IO connection does it for you)',
        response: { 200: agentPresenceSchema, ...errors },
      },
    },
    async (request) => toPresenceDto(await presence.heartbeat(actorOf(request))),
  );

  app.get(
    '/api/presence',
    {
      schema: {
        tags,
        summary: "Your company's active users and their presence, by name (every role: a board and transfers need it)",
        querystring: listPresenceQuerySchema,
        response: { 200: z.object({ items: z.array(agentPresenceSchema) }), ...errors },
      },
    },
    async (request) => {
      const { status, available, role } = request.query;
      const items = await presence.list(actorOf(request), { status, role, isAvailable: parseBoolean(available) });
      return { items: items.map(toPresenceDto) };
    },
  );
}
