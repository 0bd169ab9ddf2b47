/**
 * Input no handler should ever see (NUL, lone surrogates) and the framework's own refusals
 * (headers too large, a malformed request line, bad JSON, a body too large, an unsupported
 * media type, an unknown route): each a 4xx problem+json with a stable code, and the
 * server keeps serving. Over real sockets against the real app.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

/** Sends raw bytes and resolves with the whole answer once the server closes the connection. */
function rawRequest(baseUrl: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(bytes);
  });
}

function problemOf(answer: string): { status: number; contentType: string; body: { code?: string } } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const contentType = /^content-type: *(.+)$/im.exec(head)?.[1]?.trim() ?? '';
  return { status, contentType, body: JSON.parse(body) as { code?: string } };
}

describe('text no handler should see', () => {
  let api: TestServer;
  let admin: string;

  beforeAll(async () => {
    api = await startTestServer();
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  async function expectInvalidText(method: string, path: string, rawBody?: string) {
    const response = await api.request(method, path, {
      token: admin,
      ...(rawBody === undefined ? {} : { rawBody, headers: { 'content-type': 'application/json' } }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe('request.invalid_text');
    return response;
  }

  it('refuses a NUL in a JSON body string and changes nothing', async () => {
    const before = await api.request('GET', '/api/users/profile', { token: admin });
    const response = await expectInvalidText('PUT', '/api/users/profile', '{"name":"a\\u0000b"}');
    expect(response.body.errors).toEqual([{ field: 'body.name', message: 'NUL or unpaired surrogate' }]);
    const after = await api.request('GET', '/api/users/profile', { token: admin });
    expect(after.body.name).toBe(before.body.name);
  });

  it('refuses a lone surrogate in a body string, nested or as a key', async () => {
    await expectInvalidText('PUT', '/api/users/profile', '{"name":"a\\ud800b"}');
    await expectInvalidText('PUT', '/api/users/profile', '{"name":"ok","x":{"y":["\\udc00"]}}');
    await expectInvalidText('PUT', '/api/users/profile', '{"\\u0000":"a"}');
  });

  it('accepts a well-formed surrogate pair (an emoji)', async () => {
    const response = await api.request('PUT', '/api/users/profile', { token: admin, body: { name: 'Ana 😀' } });
    expect(response.status).toBe(200);
    expect(response.body.name).toBe('Ana 😀');
  });

  it('refuses a NUL in the query string and in a path parameter', async () => {
    const query = await expectInvalidText('GET', '/api/conversations?q=a%00b');
    expect(query.body.errors).toEqual([{ field: 'query.q', message: 'NUL or unpaired surrogate' }]);
    await expectInvalidText('GET', '/api/users/a%00b');
  });

  it('keeps serving after refusing', async () => {
    await expectInvalidText('GET', '/api/conversations?q=%00');
    expect((await api.request('GET', '/api/conversations?q=ok', { token: admin })).status).toBe(200);
  });
});

describe("the framework's own refusals", () => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer({ BODY_LIMIT_BYTES: '2048' });
  });
  afterAll(async () => {
    await api.close();
  });

  it('answers headers too large with 431 problem+json', async () => {
    const answer = await rawRequest(
      api.baseUrl,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    const problem = problemOf(answer);
    expect(problem.status).toBe(431);
    expect(problem.contentType).toBe('application/problem+json');
    expect(problem.body.code).toBe('request.headers_too_large');
  });

  it('answers a malformed request line with 400 problem+json', async () => {
    const problem = problemOf(await rawRequest(api.baseUrl, 'NOT A REQUEST\r\n\r\n'));
    expect(problem.status).toBe(400);
    expect(problem.contentType).toBe('application/problem+json');
    expect(problem.body.code).toBe('request.malformed');
  });

  it('answers bad JSON, a body too large, an unsupported type and an unknown route as problem+json', async () => {
    const token = await api.adminToken();
    const cases = [
      { path: '/api/users/profile', rawBody: '{"name":', type: 'application/json', status: 400 },
      { path: '/api/users/profile', rawBody: `{"name":"${'a'.repeat(4000)}"}`, type: 'application/json', status: 413 },
      { path: '/api/users/profile', rawBody: 'name=a', type: 'application/x-www-form-urlencoded', status: 415 },
      { path: '/api/nowhere', rawBody: '{}', type: 'application/json', status: 404 },
    ];
    for (const c of cases) {
      const response = await api.request('PUT', c.path, {
        token,
        rawBody: c.rawBody,
        headers: { 'content-type': c.type },
      });
      expect(response.status).toBe(c.status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toMatch(/^(request|route)\./);
    }
    expect((await api.request('GET', '/health')).status).toBe(200);
  });
});
