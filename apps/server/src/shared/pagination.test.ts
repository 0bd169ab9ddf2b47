import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { decodeCursor, encodeCursor, toPage } from './pagination.js';

describe('keyset cursors', () => {
  it('round-trips a cursor', () => {
    const cursor = { createdAt: new Date('2026-11-23T10:00:00.123Z'), id: 'b5d7c2b8-1111-4c3e-9d6c-7c1f0c0a0a0a' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('rejects a cursor it did not issue', () => {
    for (const raw of [
      'garbage',
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from('["x","y"]').toString('base64url'),
    ]) {
      expect(() => decodeCursor(raw)).toThrow(ValidationError);
    }
  });

  it('returns the next cursor only when more rows exist', () => {
    const rows = [1, 2, 3].map((n) => ({
      id: `00000000-0000-4000-8000-00000000000${n}`,
      createdAt: new Date(n * 1000),
    }));
    const page = toPage(rows, 2);
    expect(page.items).toHaveLength(2);
    expect(decodeCursor(page.nextCursor ?? undefined)).toEqual({
      id: '00000000-0000-4000-8000-000000000002',
      createdAt: new Date(2000),
    });
    expect(toPage(rows, 3).nextCursor).toBeNull();
  });
});
