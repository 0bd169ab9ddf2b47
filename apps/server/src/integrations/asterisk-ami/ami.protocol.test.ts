import { describe, expect, it } from 'vitest';
import { AmiInvalidArgumentError, AmiProtocolError } from './ami.errors.js';
import { AmiParser, formatAmiAction, type AmiFrame } from './ami.protocol.js';

// The first bytes of ami-01-login-ping-coreshowchannels.rx.txt, as Asterisk 22.10.1 sent them.
const SESSION =
  'Asterisk Call Manager/11.0.0\r\n' +
  'Response: Success\r\nActionID: login-1\r\nMessage: Authentication accepted\r\n\r\n' +
  'Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: 358\r\nLastReload: 358\r\nStatus: Fully Booted\r\n\r\n' +
  'Response: Success\r\nActionID: csc-1\r\nEventList: start\r\nMessage: Channels will follow\r\n\r\n' +
  'Event: CoreShowChannelsComplete\r\nActionID: csc-1\r\nEventList: Complete\r\nListItems: 0\r\n\r\n';

function describeFrames(frames: AmiFrame[]): unknown[] {
  return frames.map((frame) => (frame.kind === 'banner' ? frame : frame.message.fields));
}

function parseInChunks(text: string, sizes: (offset: number) => number): AmiFrame[] {
  const parser = new AmiParser();
  const bytes = Buffer.from(text, 'utf8');
  const frames: AmiFrame[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const size = Math.max(1, sizes(offset));
    frames.push(...parser.push(bytes.subarray(offset, offset + size)));
    offset += size;
  }
  return frames;
}

describe('AmiParser', () => {
  it('reads the banner line and every message of a read that holds several', () => {
    const frames = new AmiParser().push(Buffer.from(SESSION));
    expect(frames[0]).toEqual({ kind: 'banner', version: '11.0.0' });
    expect(frames).toHaveLength(5);
    const [, login, booted] = frames;
    expect(login?.kind === 'message' && login.message.get('Message')).toBe('Authentication accepted');
    expect(booted?.kind === 'message' && booted.message.kind).toBe('event');
  });

  it('gives the same messages whatever the split point of a read', () => {
    const whole = describeFrames(new AmiParser().push(SESSION));
    for (let cut = 1; cut < SESSION.length; cut++) {
      const parser = new AmiParser();
      const frames = [...parser.push(SESSION.slice(0, cut)), ...parser.push(SESSION.slice(cut))];
      expect(describeFrames(frames)).toEqual(whole);
    }
  });

  it('assembles a message delivered one byte per read', () => {
    expect(describeFrames(parseInChunks(SESSION, () => 1))).toEqual(describeFrames(new AmiParser().push(SESSION)));
  });

  it('keeps repeated keys in their order', () => {
    const text =
      'Response: Success\r\nActionID: cmd-1\r\nMessage: Command output follows\r\n' +
      'Output: Channel          Location\r\nOutput: 2 active channels\r\nOutput: 2 active calls\r\n\r\n';
    const [frame] = new AmiParser().push(text);
    expect(frame?.kind === 'message' && frame.message.getAll('Output')).toEqual([
      'Channel          Location',
      '2 active channels',
      '2 active calls',
    ]);
  });

  it('classifies OriginateResponse as an event although it carries a Response header', () => {
    const text =
      'Event: OriginateResponse\r\nPrivilege: call,all\r\nActionID: orig-2\r\nResponse: Failure\r\n' +
      'Channel: Local/999@cc-test\r\nReason: 0\r\nUniqueid: <unknown>\r\n\r\n';
    const [frame] = new AmiParser().push(text);
    expect(frame?.kind === 'message' && frame.message.kind).toBe('event');
  });

  it('keeps colons inside values, empty values and the spacing of a value', () => {
    const text =
      'Response: Error\r\nActionID: bad-11\r\nMessage: Channel does not exist: Local/nosuch-00000000;1\r\n\r\n' +
      'Response: Success\r\nActionID: ok-15\r\nVariable: GLOBAL_NOT_SET\r\nValue: \r\n\r\n';
    const [redirect, getvar] = new AmiParser().push(text);
    expect(redirect?.kind === 'message' && redirect.message.get('Message')).toBe(
      'Channel does not exist: Local/nosuch-00000000;1',
    );
    expect(getvar?.kind === 'message' && getvar.message.get('Value')).toBe('');
  });

  it('reads keys case-insensitively and skips lines without a colon', () => {
    const [frame] = new AmiParser().push('garbage line\r\nresponse: Success\r\nactionid: x-1\r\n\r\n');
    expect(frame?.kind === 'message' && frame.message.get('ActionID')).toBe('x-1');
    expect(frame?.kind === 'message' && frame.message.fields).toHaveLength(2);
  });

  it('keeps a UTF-8 character that is split across reads', () => {
    const text = 'Event: Newchannel\r\nCallerIDName: João Conceição\r\n\r\n';
    const frames = parseInChunks(text, () => 3);
    expect(frames[0]?.kind === 'message' && frames[0].message.get('CallerIDName')).toBe('João Conceição');
  });

  it('does not mistake a later line for a banner', () => {
    const parser = new AmiParser();
    parser.push('Asterisk Call Manager/11.0.0\r\n');
    const frames = parser.push('Asterisk Call Manager/11.0.0\r\nResponse: Success\r\n\r\n');
    expect(frames).toHaveLength(1);
    expect(frames[0]?.kind).toBe('message');
  });

  it('gives up on a line that never ends', () => {
    const parser = new AmiParser();
    expect(() => parser.push('Output: ' + 'x'.repeat(300 * 1024))).toThrow(AmiProtocolError);
  });
});

describe('formatAmiAction', () => {
  it('writes Key: Value lines with CRLF and a blank line at the end', () => {
    const text = formatAmiAction([
      ['Action', 'Ping'],
      ['ActionID', 'ping-1'],
    ]);
    expect(text).toBe('Action: Ping\r\nActionID: ping-1\r\n\r\n');
  });

  it('refuses a value with a line break, which would inject headers', () => {
    expect(() => formatAmiAction([['CallerID', '"Eve"\r\nAction: Hangup']])).toThrow(AmiInvalidArgumentError);
    expect(() => formatAmiAction([['Channel', 'PJSIP/1\n']])).toThrow(AmiInvalidArgumentError);
  });

  it('refuses a header name that is not a plain token', () => {
    expect(() => formatAmiAction([['Bad: Name', 'x']])).toThrow(AmiInvalidArgumentError);
  });
});
