import { describe, expect, it } from 'vitest';
import { newRequestId } from './request-ids.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('are random version 4 UUIDs, none repeated across several batches', () => {
    const ids = Array.from({ length: 2000 }, () => newRequestId());
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
    // Every fully random hex position (not the dashes, the version or the variant) takes
    // many values: not a counter, not a fixed prefix.
    const randomPositions = Array.from({ length: 36 }, (_, at) => at).filter(
      (at) => ![8, 13, 14, 18, 19, 23].includes(at),
    );
    for (const at of randomPositions) expect(new Set(ids.map((id) => id[at])).size).toBeGreaterThan(8);
  });

  it('keeps an id the same after the buffer it was written in is written again', () => {
    const first = newRequestId();
    const copy = first.split('').join(''); // a string of its own
    for (let k = 0; k < 600; k += 1) newRequestId();
    expect(first).toBe(copy);
  });
});
