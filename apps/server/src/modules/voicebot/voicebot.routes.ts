/**
 * The seed's operations endpoints for AudioSocket sessions: `GET /api/status` and
 * `POST /api/hangup {call_id, role}` (sends KIND_HANGUP). Reached with an admin or
 * supervisor token, with `X-API-Key: <VOICEBOT_API_KEY>` (the voice bot's bootstrap key, from
 * the environment), or with `Authorization: Bearer <API key>` of a key with the `voicebot` scope.
 */
import { timingSafeEqual } from 'node:crypto';
import { problemSchema } from '@switchboard/contracts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import type { Authenticator } from '../../http/auth.js';
import { authenticateBearer, bearerTokenOf } from '../../http/auth.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { canSeeSession, type MediaCaller } from './voicebot.js';
import type { MediaSessions, MediaSessionView } from './voicebot.ports.js';

const roleSchema = z.enum(['visitor', 'resident']);
const hangupBodySchema = z.object({ call_id: z.string().min(1).max(128), role: roleSchema }).strict();
const sessionSchema = z.object({
  call_id: z.string(),
  role: roleSchema,
  state: z.string(),
  started_at: z.string(),
  last_activity_at: z.string(),
  sample_rate_hz: z.number().int(),
  frames_in: z.number().int(),
  bytes_in: z.number().int(),
  frames_out: z.number().int(),
  bytes_out: z.number().int(),
  intent_data: z.record(z.string(), z.unknown()),
});

function toSessionDto(session: MediaSessionView): z.infer<typeof sessionSchema> {
  return {
    call_id: session.callId,
    role: session.role,
    state: session.state,
    started_at: session.startedAt.toISOString(),
    last_activity_at: session.lastActivityAt.toISOString(),
    sample_rate_hz: session.sampleRateHz,
    frames_in: session.inbound.frames,
    bytes_in: session.inbound.bytes,
    frames_out: session.outbound.frames,
    bytes_out: session.outbound.bytes,
    intent_data: session.intentData,
  };
}

export interface VoicebotRoutesDeps {
  sessions: MediaSessions;
  authenticator: Authenticator;
  apiKey: string | undefined;
  logger: Logger;
}

export function registerVoicebotRoutes(app: TypedApp, deps: VoicebotRoutesDeps): void {
  const tags = ['voicebot'];
  const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

  const callerOf = async (request: FastifyRequest): Promise<MediaCaller> => {
    const key = request.headers['x-api-key'];
    if (typeof key === 'string') {
      if (deps.apiKey && safeEqual(key, deps.apiKey)) return { kind: 'api_key' };
      throw new UnauthorizedError('auth.invalid_api_key', 'The API key is not valid.');
    }
    const token = bearerTokenOf(request);
    if (!token) throw new UnauthorizedError('auth.required', 'Send a bearer token or X-API-Key.');
    // An API key with the voicebot scope (its scope is checked for this route) is a key caller.
    const actor = await authenticateBearer(request, token, deps.authenticator);
    if ('apiKeyId' in actor) return { kind: 'api_key' };
    if (actor.role === 'agent') throw new ForbiddenError('auth.forbidden', 'Only admins and supervisors may do this.');
    return { kind: 'user', actor };
  };

  app.get(
    '/api/status',
    {
      config: { isPublic: true },
      schema: {
        tags,
        summary: 'Active AudioSocket sessions (admins, supervisors, or X-API-Key)',
        response: { 200: z.object({ sessions: z.array(sessionSchema), count: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const caller = await callerOf(request);
      const everywhere = await (deps.sessions.listEverywhere?.() ?? deps.sessions.listSessions());
      const sessions = everywhere.filter((s) => canSeeSession(caller, s));
      return { sessions: sessions.map(toSessionDto), count: sessions.length };
    },
  );

  app.post(
    '/api/hangup',
    {
      config: { isPublic: true },
      schema: {
        tags,
        summary: 'Send KIND_HANGUP to one session and close it (admins, supervisors, or X-API-Key)',
        body: hangupBodySchema,
        response: { 200: z.object({ status: z.literal('sent'), call_id: z.string(), role: roleSchema }), ...errors },
      },
    },
    async (request) => {
      const caller = await callerOf(request);
      const { call_id: callId, role } = request.body;
      const everywhere = await (deps.sessions.listEverywhere?.() ?? deps.sessions.listSessions());
      const session = everywhere.find((s) => s.callId === callId && s.role === role);
      const hangup = (): Promise<'sent' | 'not_found'> | 'sent' | 'not_found' =>
        deps.sessions.hangupEverywhere?.(callId, role) ?? deps.sessions.hangup(callId, role);
      if (!session || !canSeeSession(caller, session) || (await hangup()) === 'not_found') {
        throw new NotFoundError('media_session.not_found', `No active ${role} session for call ${callId}.`);
      }
      deps.logger.info(
        { callId, role, by: caller.kind === 'user' ? caller.actor.userId : 'api_key' },
        'hangup requested',
      );
      return { status: 'sent' as const, call_id: callId, role };
    },
  );
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
