/**
 * One place maps errors to RFC 9457 problem+json. Domain errors carry a stable `code`;
 * anything unknown is logged whole and answered with a bare 500.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import {
  AppError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  UnauthorizedError,
  UpstreamError,
  UnprocessableError,
  ValidationError,
  type FieldIssue,
} from '../shared/errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

interface ProblemInit {
  status: number;
  code: string;
  detail?: string | undefined;
  errors?: FieldIssue[] | undefined;
  headers?: Record<string, string>;
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ProblemInit): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers ?? {})) reply.header(name, value);
  return reply
    .code(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send({
      type: `https://switchboard.dev/problems/${problem.code.replaceAll('.', '/')}`,
      title: TITLES[problem.status] ?? 'Error',
      status: problem.status,
      code: problem.code,
      ...(problem.detail ? { detail: problem.detail } : {}),
      instance: request.url.split('?')[0],
      request_id: String(request.id),
      ...(problem.errors ? { errors: problem.errors } : {}),
    });
}

function statusOf(error: AppError): number {
  if (error instanceof ValidationError) return 400;
  if (error instanceof UnprocessableError) return 422;
  if (error instanceof UnauthorizedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof TooManyRequestsError) return 429;
  if (error instanceof UpstreamError) return error.isUnavailable ? 503 : 502;
  return 500;
}

function problemFromAppError(error: AppError): ProblemInit {
  const status = statusOf(error);
  return {
    status,
    code: error.code,
    detail: error.message,
    errors:
      (error instanceof ValidationError || error instanceof UnprocessableError) && error.issues.length > 0
        ? error.issues
        : undefined,
    headers: error instanceof TooManyRequestsError ? { 'retry-after': String(error.retryAfterSeconds) } : {},
  };
}

function fieldIssuesOf(error: FastifyError): FieldIssue[] {
  const context = error.validationContext ?? 'body';
  return (error.validation ?? []).flatMap((issue) => {
    const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const prefix = path ? `${context}.${path}` : context;
    const keys = (issue.params as { keys?: unknown }).keys;
    if (issue.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      return keys.map((key) => ({ field: `${prefix}.${String(key)}`, message: 'unknown field' }));
    }
    return [{ field: prefix, message: issue.message ?? 'invalid' }];
  });
}

/** Fastify's own client errors (bad JSON, wrong content type, body too large …). */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'request.unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request.body_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request.empty_json_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'request.malformed_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request.invalid_content_length',
  FST_ERR_VALIDATION: 'request.invalid',
};

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      return sendProblem(request, reply, {
        status: 400,
        code: 'request.invalid',
        detail: 'The request does not match the schema.',
        errors: fieldIssuesOf(error),
      });
    }
    if (error instanceof AppError) {
      const problem = problemFromAppError(error);
      if (problem.status >= 500) request.log.warn({ err: error }, 'upstream failure');
      return sendProblem(request, reply, problem);
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response does not match its schema');
      return sendProblem(request, reply, { status: 500, code: 'internal' });
    }
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      const isSyntax = error instanceof SyntaxError;
      const code = isSyntax ? 'request.malformed_json' : (FASTIFY_CODES[error.code] ?? 'request.invalid');
      return sendProblem(request, reply, {
        status,
        code,
        detail: isSyntax ? 'The body is not valid JSON.' : error.message,
        headers: status === 429 && reply.getHeader('retry-after') === undefined ? { 'retry-after': '60' } : {},
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(request, reply, { status: 500, code: 'internal' });
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, {
      status: 404,
      code: 'route.not_found',
      detail: `No route ${request.method} ${request.url.split('?')[0] ?? ''}.`,
    }),
  );
}

/**
 * Errors Node's HTTP parser meets before Fastify has a request (headers too large, a
 * malformed request line, a request too slow): answered as problem+json on the raw socket,
 * in place of Fastify's default JSON. The connection is closed after it.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'request.headers_too_large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request.timeout']
        : [400, 'request.malformed'];
  const title = TITLES[status] ?? 'Error';
  const body = JSON.stringify({
    type: `https://switchboard.dev/problems/${code.replaceAll('.', '/')}`,
    title,
    status,
    code,
  });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
