import {
  loginBodySchema,
  logoutBodySchema,
  problemSchema,
  refreshBodySchema,
  registerBodySchema,
  tokenResponseSchema,
  type TokenResponse,
} from '@switchboard/contracts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import type { AuthService, ClientInfo, Session } from './auth.service.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 429: problemSchema };

function clientOf(request: FastifyRequest): ClientInfo {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}

function toTokenResponse(session: Session): TokenResponse {
  const { account } = session;
  return {
    token_type: 'Bearer',
    access_token: session.accessToken,
    expires_in: session.expiresIn,
    refresh_token: session.refreshToken,
    refresh_expires_in: session.refreshExpiresIn,
    user: {
      id: account.id,
      company_id: account.companyId,
      email: account.email,
      name: account.name,
      role: account.role,
    },
  };
}

export function registerAuthRoutes(app: TypedApp, auth: AuthService): void {
  const tags = ['auth'];
  app.post(
    '/api/users/login',
    {
      config: { isPublic: true },
      schema: {
        tags,
        summary: 'Sign in with email and password',
        security: [],
        body: loginBodySchema,
        response: { 200: tokenResponseSchema, ...errors },
      },
    },
    async (request) => toTokenResponse(await auth.login(request.body.email, request.body.password, clientOf(request))),
  );

  app.post(
    '/api/users/register',
    {
      config: { isPublic: true },
      schema: {
        tags,
        summary: 'Create a company and its first administrator (when SIGNUP_ENABLED=true)',
        security: [],
        body: registerBodySchema,
        response: { 201: tokenResponseSchema, 409: problemSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { company_name: companyName, name, email, password } = request.body;
      const session = await auth.register({ companyName, name, email, password }, clientOf(request));
      return reply.code(201).send(toTokenResponse(session));
    },
  );

  app.post(
    '/api/users/refresh',
    {
      config: { isPublic: true },
      schema: {
        tags,
        summary: 'Exchange a refresh token for new tokens (the old one stops working)',
        security: [],
        body: refreshBodySchema,
        response: { 200: tokenResponseSchema, ...errors },
      },
    },
    async (request) => toTokenResponse(await auth.refresh(request.body.refresh_token, clientOf(request))),
  );

  app.post(
    '/api/users/logout',
    {
      config: { isPublic: true },
      schema: {
        tags,
        summary: 'End the session of this refresh token',
        security: [],
        body: logoutBodySchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await auth.logout(request.body.refresh_token);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/users/logout-all',
    {
      schema: {
        tags,
        summary: 'End every session of the signed-in user, on every device',
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await auth.logoutEverywhere(actorOf(request));
      return reply.code(204).send(null);
    },
  );
}
