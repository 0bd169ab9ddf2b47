/**
 * The Fastify application: plugins composed in one place. Modules add their routes
 * through the `routes` callback, so this file knows no module.
 */
import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Logger } from '../shared/logger.js';
import { registerAuthentication, type Authenticator } from './auth.js';
import { registerMetrics } from './metrics.js';
import { registerProblemHandlers, sendProblem } from './problem.js';

export type App = FastifyInstance;
export type TypedApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface ReadinessCheck {
  name: string;
  check(): Promise<'up' | 'down' | 'degraded' | 'disconnected' | 'not_configured'>;
}

export interface AppOptions {
  logger: Logger;
  authenticator: Authenticator;
  bodyLimitBytes: number;
  trustProxy: boolean;
  corsOrigins: readonly string[];
  readiness: ReadinessCheck[];
  version: string;
  routes: (app: TypedApp) => Promise<void> | void;
  /** The built console (apps/web/dist), served at `/` when present. */
  webRoot?: string | undefined;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(options: AppOptions): Promise<App> {
  // Widened to Fastify's logger type so plugins typed against the default instance fit.
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy,
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  registerProblemHandlers(app);
  // Only JSON bodies: a text/plain body is refused with 415, not parsed as a string.
  app.removeContentTypeParser('text/plain');
  // Everything with tenant data lives under /api and needs a token; the rest (docs, the
  // console's static files, probes) is public.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs') || !route.url.startsWith('/api'))
      route.config = { ...route.config, isPublic: true };
  });
  if (options.corsOrigins.length > 0) {
    await app.register(cors, { origin: [...options.corsOrigins], credentials: true });
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard API',
        version: options.version,
        description: 'Contact center on Asterisk. Errors are application/problem+json (RFC 9457) with a stable `code`.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearerAuth: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { persistAuthorization: false } });
  registerAuthentication(app, options.authenticator);
  registerMetrics(app);

  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/openapi.json', { config: { isPublic: true }, schema: { hide: true } }, async () => app.swagger());
  typed.get(
    '/health',
    {
      config: { isPublic: true },
      schema: { tags: ['ops'], summary: 'Liveness', response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );
  typed.get(
    '/ready',
    {
      config: { isPublic: true },
      schema: {
        tags: ['ops'],
        summary: 'Readiness: the database and, when configured, the PBX',
        response: {
          200: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.string()) }),
        },
      },
    },
    async (request, reply) => {
      const results = await Promise.all(
        options.readiness.map(async (c) => [c.name, await c.check().catch(() => 'down' as const)] as const),
      );
      const checks = Object.fromEntries(results);
      if (results.some(([, state]) => state === 'down')) {
        const down = results.filter(([, state]) => state === 'down').map(([name]) => name);
        return sendProblem(request, reply, {
          status: 503,
          code: 'service.not_ready',
          detail: `Not ready: ${down.join(', ')} down.`,
        });
      }
      return { status: 'ready' as const, checks };
    },
  );

  await options.routes(typed);
  if (options.webRoot) {
    await app.register(fastifyStatic, { root: options.webRoot, prefix: '/', wildcard: false });
  }
  return app;
}
