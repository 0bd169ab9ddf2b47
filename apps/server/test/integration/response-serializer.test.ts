// ADR 28: in production responses are written by serializers compiled from their schemas,
// not checked by zod. Every other test runs with zod's check (NODE_ENV=test); this one
// runs a server as production does and proves its answers are what zod would have
// written from the same schema: byte for byte, nothing more, nothing less.
import { randomUUID } from 'node:crypto';
import { conversationSchema, pageSchema, problemSchema, userSchema, deviceSchema } from '@switchboard/contracts';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileSerializer } from '../../src/http/response-serializer.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';

/** What zod's serializer (fastify-type-provider-zod's) writes for `value`. */
const zodWrites = (schema: z.ZodType, value: unknown): string => JSON.stringify(z.encode(schema, value));

describe('responses in production (compiled serializers)', () => {
  let api: TestServer;
  let admin: string;

  beforeAll(async () => {
    api = await startTestServer({ NODE_ENV: 'production', LOGIN_MAX_ATTEMPTS_PER_IP: '100000' });
    admin = await api.adminToken();
    await createUserAndLogin(api, admin, { role: 'agent', device_template: 'webrtc' });
    await createUserAndLogin(api, admin, { role: 'supervisor', name: 'Ana "Zé" Ção \u2028 \\ </script>' });
    const { db } = api.server.database;
    const companies: unknown = await db.execute(sql`select id from companies limit 1`);
    const [company] = (companies as { rows: { id: string }[] }).rows;
    for (let i = 0; i < 3; i += 1) {
      const contactId = randomUUID();
      await db.execute(sql`insert into contacts (id, company_id, name, phone, created_at, updated_at)
        values (${contactId}, ${company!.id}, ${`Cliente ${i} 😀`}, ${`+5511900000${i}00`}, now(), now())`);
      await db.execute(sql`insert into conversations
        (id, company_id, contact_id, channel, status, last_activity_at, created_at, updated_at)
        values (${randomUUID()}, ${company!.id}, ${contactId}, 'whatsapp', 'open',
          now() - make_interval(secs => ${i}), now(), now())`);
    }
  });
  afterAll(async () => {
    await api?.close();
  });

  const cases: [string, string, z.ZodType][] = [
    ['the users list', '/api/users?limit=50', pageSchema(userSchema)],
    ['the profile', '/api/users/profile', userSchema],
    ['the inbox', '/api/conversations?limit=30', pageSchema(conversationSchema)],
    ['the devices', '/api/devices?limit=50', pageSchema(deviceSchema)],
  ];
  it.each(cases)('%s is exactly what zod would write from its schema', async (_name, path, schema) => {
    const response = await api.request('GET', path, { token: admin });
    expect(response.status).toBe(200);
    const parsed = schema.parse(JSON.parse(response.text));
    expect(response.text).toBe(zodWrites(schema, parsed));
    if ('items' in (parsed as object)) expect((parsed as { items: unknown[] }).items.length).toBeGreaterThan(0);
  });

  it('writes only what the schema names, and refuses an answer missing a required field', () => {
    const serialize = compileSerializer({ schema: userSchema, method: 'GET', url: '/x', httpStatus: '200' });
    const user = {
      id: randomUUID(),
      company_id: randomUUID(),
      email: 'a@acme.test',
      name: 'A',
      role: 'agent',
      phone: null,
      is_active: true,
      last_login_at: null,
      created_at: new Date(0).toISOString(),
      updated_at: new Date(0).toISOString(),
      device: { extension: 1001, sip_username: 'x1001', template: 'webrtc', is_active: true, password: 'secret' },
    };
    const written = serialize({ ...user, password_hash: 'secret' });
    expect(written).not.toContain('secret');
    expect(written).toBe(zodWrites(userSchema, user));
    const { email: _email, ...missing } = user;
    expect(() => serialize(missing)).toThrow(/email/);
  });

  it('keeps zod for a schema JSON Schema cannot say (a date)', () => {
    const schema = z.object({ at: z.date() });
    const serialize = compileSerializer({ schema, method: 'GET', url: '/x', httpStatus: '200' });
    expect(serialize({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
    expect(() => serialize({ at: 'not a date' })).toThrow();
    // Problems are written by the problem handler; their schema compiles too.
    const problem = { type: 'about:blank', title: 'Not Found', status: 404, code: 'x.not_found' };
    expect(compileSerializer({ schema: problemSchema, method: 'GET', url: '/x', httpStatus: '404' })(problem)).toBe(
      zodWrites(problemSchema, problem),
    );
  });
});
