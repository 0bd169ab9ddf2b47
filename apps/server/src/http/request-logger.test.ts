import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { REDACTED_PATHS } from '../shared/logger.js';
import { bindingsOfUnmade, lazyChildLogger } from './request-logger.js';

function capture(level: string, options: { redact?: string[] } = {}) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return {
    logger: pino(
      { level, ...(options.redact ? { redact: { paths: options.redact, censor: '[redacted]' } } : {}) },
      stream,
    ),
    lines,
  };
}

describe('lazy request logger', () => {
  it('makes no child for lines its level drops, and logs kept lines with the bindings', async () => {
    const { logger, lines } = capture('info');
    const child = vi.spyOn(logger, 'child');
    const probe = lazyChildLogger(logger, { reqId: 'r1' }, { level: 'warn' });
    probe.info('dropped');
    probe.debug('dropped');
    expect(child).not.toHaveBeenCalled();
    expect(probe.level).toBe('warn');
    // Asked before a line is built (the request log's): no child made either.
    expect((probe as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled('info')).toBe(false);
    expect((probe as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled('warn')).toBe(true);
    expect(child).not.toHaveBeenCalled();
    probe.warn({ n: 1 }, 'kept');
    expect(child).toHaveBeenCalledTimes(1);
    probe.error('kept too');
    probe.info('still dropped');
    expect(child).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.reqId, l.msg, l.n])).toEqual([
      ['r1', 'kept', 1],
      ['r1', 'kept too', undefined],
    ]);
  });

  it('takes the server level when the route gives none, and children keep every binding', async () => {
    const { logger, lines } = capture('info');
    const child = vi.spyOn(logger, 'child');
    const request = lazyChildLogger(logger, { reqId: 'r2' }, {});
    const user = request.child({ userId: 'u1' });
    user.debug('dropped');
    user.info('answered');
    // One pino child for the request and its user together.
    expect(child).toHaveBeenCalledTimes(1);
    request.level = 'error';
    request.warn('dropped after the level changed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.reqId, l.userId, l.msg])).toEqual([['r2', 'u1', 'answered']]);
  });

  it("gives a request's bindings for the request log line, which a child without redaction writes the same", async () => {
    const { logger: root, lines } = capture('info', { redact: REDACTED_PATHS });
    const request = lazyChildLogger(root, { reqId: 'r3' }, {}).child({ userId: 'u1', companyId: 'c1' });
    const plain = root.child({}, { redact: [], level: 'trace' });
    const line = {
      req: { method: 'GET', url: '/api/users?limit=20', remoteAddress: '127.0.0.1' },
      res: { statusCode: 200 },
      responseTime: 1.25,
    };
    const bindings = bindingsOfUnmade(request, root);
    expect(bindings).toEqual({ reqId: 'r3', userId: 'u1', companyId: 'c1' });
    plain.info({ ...bindings, ...line }, 'request completed');
    request.info(line, 'request completed');
    await new Promise((resolve) => setImmediate(resolve));
    const [fast, child] = lines.map(({ time: _time, ...rest }) => rest);
    expect(Object.keys(fast ?? {})).toEqual(Object.keys(child ?? {}));
    expect(fast).toEqual(child);
    // Once made (a line of its own was written), or under another parent: not given.
    expect(bindingsOfUnmade(request, root)).toBeUndefined();
    expect(bindingsOfUnmade(lazyChildLogger(root, { reqId: 'r4' }, {}), plain)).toBeUndefined();
    expect(bindingsOfUnmade(root, root)).toBeUndefined();
  });
});
