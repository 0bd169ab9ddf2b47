import { describe, expect, it } from 'vitest';
import { AmiInvalidArgumentError } from './ami.errors.js';
import { buildOriginateFields, mapOriginateReason, readOriginateResponse } from './ami.originate.js';
import { AmiMessage } from './ami.protocol.js';

describe('mapOriginateReason', () => {
  it.each([
    [4, 'answered'],
    [0, 'failed'],
    [1, 'no_answer'],
    [3, 'no_answer'],
    [5, 'busy'],
    [8, 'congestion'],
    [42, 'failed'],
  ] as const)('maps Reason %i to %s', (reason, outcome) => {
    expect(mapOriginateReason(reason)).toBe(outcome);
  });
});

describe('buildOriginateFields', () => {
  const ids = { asteriskChannelId: 'ami-orig-1', otherAsteriskChannelId: 'ami-orig-1-peer' };

  it('asks for an async originate with our channel ids, one Variable header per variable', () => {
    const fields = buildOriginateFields(
      {
        channel: 'Local/200@cc-test',
        context: 'cc-test',
        exten: '600',
        priority: 1,
        callerId: '"AMI Test" <5551000>',
        timeoutMs: 15_000,
        variables: { CC_QUEUE: 'sales', CC_LANG: 'en' },
      },
      ids,
    );
    expect(fields).toEqual([
      ['Channel', 'Local/200@cc-test'],
      ['Context', 'cc-test'],
      ['Exten', '600'],
      ['Priority', '1'],
      ['CallerID', '"AMI Test" <5551000>'],
      ['Timeout', '15000'],
      ['Async', 'true'],
      ['ChannelId', 'ami-orig-1'],
      ['OtherChannelId', 'ami-orig-1-peer'],
      ['Variable', 'CC_QUEUE=sales'],
      ['Variable', 'CC_LANG=en'],
    ]);
  });

  it('sends Application and Data for an application originate', () => {
    const fields = buildOriginateFields({ channel: 'Local/710@cc-test', application: 'Wait', data: '5' }, ids);
    expect(fields.slice(0, 3)).toEqual([
      ['Channel', 'Local/710@cc-test'],
      ['Application', 'Wait'],
      ['Data', '5'],
    ]);
  });

  it('refuses a variable value with a comma, which Asterisk would split into two variables', () => {
    const params = { channel: 'PJSIP/1001', application: 'Wait', variables: { CC_NAME: 'Doe, John' } };
    expect(() => buildOriginateFields(params, ids)).toThrow(AmiInvalidArgumentError);
  });
});

describe('readOriginateResponse', () => {
  const ids = { asteriskChannelId: 'c-1', otherAsteriskChannelId: undefined };

  it('reads a failure, whose Channel is the dial string and whose ids are <unknown>', () => {
    const event = new AmiMessage([
      ['Event', 'OriginateResponse'],
      ['Response', 'Failure'],
      ['Channel', 'Local/700@cc-test'],
      ['Reason', '5'],
      ['Uniqueid', '<unknown>'],
    ]);
    expect(readOriginateResponse(event, ids)).toMatchObject({
      outcome: 'busy',
      reasonCode: 5,
      asteriskChannelId: 'c-1',
      channelName: 'Local/700@cc-test',
    });
  });

  it('treats a response without a Reason as a failure', () => {
    const event = new AmiMessage([
      ['Event', 'OriginateResponse'],
      ['Response', 'Failure'],
    ]);
    expect(readOriginateResponse(event, ids).outcome).toBe('failed');
  });
});
