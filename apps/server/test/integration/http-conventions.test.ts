import type { User } from '@switchboard/contracts';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { psEndpoints, users } from '../../src/db/schema/index.js';
import {
  ADMIN_EMAIL,
  createUserAndLogin,
  startTestServer,
  type HttpResponse,
  type RequestOptions,
  type TestServer,
} from '../support/server.js';

const BODY_LIMIT_BYTES = 2048;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectProblem(response: HttpResponse<any>, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({
    type: expect.stringMatching(/^https?:\/\//),
    title: expect.any(String),
    status,
    code,
    request_id: response.headers.get('x-request-id'),
  });
  expect(response.body.request_id).toBeTruthy();
}

interface BadRequest {
  name: string;
  method: string;
  path: string;
  options: RequestOptions;
  status: number;
  code: string;
  errors?: Array<{ field: string; message?: string }>;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const validUser = { email: 'valid@acme.test', name: 'Valid', password: 'long-enough-password' };

const badRequests: BadRequest[] = [
  {
    name: 'malformed JSON gets 400 request.malformed_json',
    method: 'POST',
    path: '/api/users',
    options: { rawBody: '{"email": "x@acme.test", ', headers: JSON_TYPE },
    status: 400,
    code: 'request.malformed_json',
  },
  {
    name: 'an empty JSON body gets 400',
    method: 'POST',
    path: '/api/users',
    options: { rawBody: '', headers: JSON_TYPE },
    status: 400,
    code: 'request.empty_json_body',
  },
  {
    name: 'wrong types and unknown fields get 400 request.invalid naming each field',
    method: 'POST',
    path: '/api/users',
    options: { body: { email: 42, name: '', role: 'boss', password: 'short', x: 1 } },
    status: 400,
    code: 'request.invalid',
    errors: [
      { field: 'body.email' },
      { field: 'body.name' },
      { field: 'body.role' },
      { field: 'body.password' },
      { field: 'body.x', message: 'unknown field' },
    ],
  },
  {
    name: 'an otherwise valid body with unknown fields gets 400 and is not applied',
    method: 'POST',
    path: '/api/users',
    options: { body: { ...validUser, is_admin: true, company_id: '00000000-0000-4000-8000-000000000000' } },
    status: 400,
    code: 'request.invalid',
    errors: [
      { field: 'body.is_admin', message: 'unknown field' },
      { field: 'body.company_id', message: 'unknown field' },
    ],
  },
  {
    name: 'a body over BODY_LIMIT_BYTES gets 413',
    method: 'POST',
    path: '/api/users',
    options: { body: { ...validUser, name: 'x'.repeat(BODY_LIMIT_BYTES) } },
    status: 413,
    code: 'request.body_too_large',
  },
  {
    name: 'an XML body gets 415',
    method: 'POST',
    path: '/api/users',
    options: { rawBody: '<user/>', headers: { 'content-type': 'application/xml' } },
    status: 415,
    code: 'request.unsupported_media_type',
  },
  {
    name: 'a JSON document sent as text/plain gets 415',
    method: 'POST',
    path: '/api/users',
    options: { rawBody: JSON.stringify(validUser), headers: { 'content-type': 'text/plain' } },
    status: 415,
    code: 'request.unsupported_media_type',
  },
  {
    name: 'a bad UUID in the path of GET gets 400 naming params.id',
    method: 'GET',
    path: '/api/users/not-a-uuid',
    options: {},
    status: 400,
    code: 'request.invalid',
    errors: [{ field: 'params.id' }],
  },
  {
    name: 'a bad UUID in the path of PUT gets 400',
    method: 'PUT',
    path: '/api/users/1234',
    options: { body: { name: 'Nobody' } },
    status: 400,
    code: 'request.invalid',
    errors: [{ field: 'params.id' }],
  },
  {
    name: 'a bad UUID in the path of DELETE gets 400',
    method: 'DELETE',
    path: "/api/users/1'%20or%20'1'='1",
    options: {},
    status: 400,
    code: 'request.invalid',
    errors: [{ field: 'params.id' }],
  },
  {
    name: 'a bad query gets 400 naming each parameter',
    method: 'GET',
    path: '/api/users?limit=many&role=boss&sort=name',
    options: {},
    status: 400,
    code: 'request.invalid',
    errors: [
      { field: 'querystring.limit' },
      { field: 'querystring.role' },
      { field: 'querystring.sort', message: 'unknown field' },
    ],
  },
  {
    name: 'an unknown route gets 404 route.not_found',
    method: 'GET',
    path: '/api/nothing-here',
    options: {},
    status: 404,
    code: 'route.not_found',
  },
  {
    name: 'an unknown method on a known path gets 404 route.not_found',
    method: 'PATCH',
    path: '/api/presence/me',
    options: { body: { name: 'Patched' } },
    status: 404,
    code: 'route.not_found',
  },
  {
    name: 'malformed JSON on the profile gets 400 and the profile is unchanged',
    method: 'PUT',
    path: '/api/users/profile',
    options: { rawBody: '{"name": "Half', headers: JSON_TYPE },
    status: 400,
    code: 'request.malformed_json',
  },
];

describe('bad input', () => {
  let api: TestServer;
  let admin: string;

  beforeAll(async () => {
    api = await startTestServer({ BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) });
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  async function state() {
    const { db } = api.server.database;
    const [userCount] = await db.select({ n: count() }).from(users);
    const [endpointCount] = await db.select({ n: count() }).from(psEndpoints);
    const profile = await api.request<User>('GET', '/api/users/profile', { token: admin });
    return { users: userCount?.n, endpoints: endpointCount?.n, profile: profile.body };
  }

  for (const bad of badRequests) {
    it(`${bad.name}, writes nothing, and the server keeps serving`, async () => {
      const before = await state();
      const response = await api.request(bad.method, bad.path, { token: admin, ...bad.options });
      expectProblem(response, bad.status, bad.code);
      if (bad.errors) {
        expect(response.body.errors).toEqual(expect.arrayContaining(bad.errors.map((e) => expect.objectContaining(e))));
        expect(response.body.errors).toHaveLength(bad.errors.length);
      }
      expect(await state()).toEqual(before);
      const good = await api.request('GET', '/api/users?limit=1', { token: admin });
      expect(good.status).toBe(200);
    });
  }

  it('answers every kind of refusal as problem+json with a stable code', async () => {
    const agent = await createUserAndLogin(api, admin);
    expectProblem(await api.request('GET', '/api/users/profile'), 401, 'auth.required');
    expectProblem(await api.request('GET', '/api/users/profile', { token: `${admin}x` }), 401, 'auth.invalid_token');
    expectProblem(await api.request('GET', '/api/users', { token: agent.token }), 403, 'auth.forbidden');
    expectProblem(
      await api.request('GET', '/api/users/00000000-0000-4000-8000-000000000000', { token: admin }),
      404,
      'user.not_found',
    );
    expectProblem(
      await api.request('POST', '/api/users', { token: admin, body: { ...validUser, email: ADMIN_EMAIL } }),
      409,
      'user.email_taken',
    );
  });

  it('refuses malformed JSON on a route that takes no body without acting on it', async () => {
    const before = await state();
    const response = await api.request('POST', '/api/users/logout-all', {
      token: admin,
      rawBody: '{"not": "json',
      headers: JSON_TYPE,
    });
    expectProblem(response, 400, 'request.malformed_json');
    expect(await state()).toEqual(before);
    expect((await api.request('GET', '/api/users/profile', { token: admin })).status).toBe(200);
  });
});

describe('request ids', () => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer();
  });
  afterAll(async () => {
    await api.close();
  });

  it('echoes a given x-request-id on success', async () => {
    const response = await api.request('GET', '/health', { headers: { 'x-request-id': 'trace-42.abc:1' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('trace-42.abc:1');
  });

  it('echoes a given x-request-id in the header and the body of a problem', async () => {
    const response = await api.request('GET', '/api/nothing-here', { headers: { 'x-request-id': 'caller-chosen-id' } });
    expectProblem(response, 404, 'route.not_found');
    expect(response.headers.get('x-request-id')).toBe('caller-chosen-id');
    expect(response.body.request_id).toBe('caller-chosen-id');
  });

  it('generates a fresh id when none is given', async () => {
    const first = await api.request('GET', '/health');
    const second = await api.request('GET', '/health');
    expect(first.headers.get('x-request-id')).toMatch(UUID);
    expect(second.headers.get('x-request-id')).toMatch(UUID);
    expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
  });

  it('replaces an id that could forge log lines with a generated one', async () => {
    for (const given of ['has spaces in it', 'x'.repeat(300), 'semi;colon']) {
      const response = await api.request('GET', '/health', { headers: { 'x-request-id': given } });
      expect(response.headers.get('x-request-id')).toMatch(UUID);
    }
  });
});

describe('operational endpoints', () => {
  let api: TestServer;
  const metricsToken = 'metrics-token-metrics-token-0123456789';

  beforeAll(async () => {
    api = await startTestServer({ METRICS_TOKEN: metricsToken });
  });
  afterAll(async () => {
    await api.close();
  });

  it('answers /health without a token', async () => {
    const response = await api.request('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('answers /ready with the database up', async () => {
    const response = await api.request('GET', '/ready');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ready', checks: { database: 'up' } });
  });

  it('serves an OpenAPI 3.1 document listing the user routes', async () => {
    const response = await api.request('GET', '/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\.1\./);
    expect(response.body.paths['/api/users/login']).toHaveProperty('post');
    expect(Object.keys(response.body.paths['/api/users/{id}']).sort()).toEqual(['delete', 'get', 'patch', 'put']);
    expect(response.body.paths['/api/users'].post.responses).toHaveProperty('201');
    expect(response.body.paths['/api/users'].post.responses).toHaveProperty('409');
  });

  it('serves the docs UI as HTML to a browser, which sends no token', async () => {
    const response = await api.request('GET', '/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.text).toMatch(/<html/i);
  });

  it('serves Prometheus text with the HTTP request duration histogram, which leaves the probes out', async () => {
    await api.request('GET', '/openapi.json');
    await api.request('GET', '/health');
    await api.request('GET', '/ready');
    const response = await api.request('GET', '/metrics', { token: metricsToken });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(response.text).toContain('# TYPE switchboard_http_request_duration_seconds histogram');
    expect(response.text).toMatch(
      /switchboard_http_request_duration_seconds_count\{[^}]*route="\/openapi.json"[^}]*status="200"[^}]*\} [1-9]/,
    );
    // A load balancer's polling is not the users' traffic (docs/architecture.md, Operations).
    expect(response.text).not.toMatch(/route="\/(health|ready)"/);
  });
});
