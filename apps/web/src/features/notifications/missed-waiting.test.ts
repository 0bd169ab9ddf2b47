import { describe, expect, it } from 'vitest';
import { WaitingLedger } from './missed-waiting';

function read(ledger: WaitingLedger, ids: string[], isComplete = true) {
  ledger.beginRead();
  return ledger.endRead(ids, isComplete);
}

describe('the chats that began waiting while the console was away', () => {
  it('are none on the first read, which only learns the list', () => {
    const ledger = new WaitingLedger();
    expect(read(ledger, ['a', 'b'])).toEqual({ began: [], waiting: new Set(['a', 'b']) });
  });

  it('are those a later read finds that were not waiting before, once each', () => {
    const ledger = new WaitingLedger();
    read(ledger, ['a']);
    expect(read(ledger, ['a', 'b', 'c']).began).toEqual(['b', 'c']);
    expect(read(ledger, ['a', 'b', 'c']).began).toEqual([]);
  });

  it('include a chat that was taken while the console listened and came back while it was away', () => {
    const ledger = new WaitingLedger();
    read(ledger, ['a']);
    ledger.hear('a', false);
    expect(read(ledger, ['a']).began).toEqual(['a']);
  });

  it('leave out a chat an event spoke of while the read was in flight: the event is newer', () => {
    const ledger = new WaitingLedger();
    read(ledger, ['a']);
    ledger.beginRead();
    ledger.hear('b', true);
    ledger.hear('a', false);
    expect(ledger.endRead(['a', 'b', 'c'], true)).toEqual({ began: ['c'], waiting: new Set(['b', 'c']) });
  });

  it('keep what was known when the read is only the newest page of the list', () => {
    const ledger = new WaitingLedger();
    read(ledger, ['a', 'b']);
    expect(read(ledger, ['c'], false)).toEqual({ began: ['c'], waiting: null });
    expect(read(ledger, ['a', 'b', 'c']).began).toEqual([]);
  });

  it('start afresh after the console stopped watching', () => {
    const ledger = new WaitingLedger();
    read(ledger, ['a']);
    ledger.reset();
    expect(read(ledger, ['a', 'b']).began).toEqual([]);
  });
});
