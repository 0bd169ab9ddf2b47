import { describe, expect, it } from 'vitest';
import { findChannelIdsOfEvent, isBridgeMediaEvent, parseAriEvent, type AriEvent } from './ari.events.js';

const CHANNEL =
  '{"id":"s09-busy","name":"Local/700@cc-test-00000017;1","state":"Ringing","protocol_id":"","caller":{"name":"","number":""},' +
  '"connected":{"name":"","number":""},"accountcode":"","dialplan":{"context":"cc-test","exten":"700","priority":1,' +
  '"app_name":"AppDial2","app_data":"(Outgoing Line)"},"creationtime":"2026-11-23T12:39:58.136+0000","language":"en"}';

// Frames of s09-originate-busy-destination.jsonl and events-during-rest-session.jsonl.
const DIAL_BUSY = `{"type":"Dial","timestamp":"2026-11-23T12:40:01.148+0000","dialstatus":"BUSY","forward":"","dialstring":"700@cc-test","peer":${CHANNEL},"asterisk_id":"02:fc:00:00:00:01","application":"callcenter"}`;
const HANGUP_REQUEST = `{"cause":32,"soft":true,"type":"ChannelHangupRequest","timestamp":"2026-11-23T12:40:01.148+0000","channel":${CHANNEL},"asterisk_id":"02:fc:00:00:00:01","application":"callcenter"}`;
const BRIDGE_RECORDING =
  '{"type":"RecordingStarted","timestamp":"2026-11-23T12:37:31.010+0000","recording":{"name":"rest-bridge-rec","format":"wav",' +
  '"state":"recording","target_uri":"bridge:rest-bridge-1"},"asterisk_id":"02:fc:00:00:00:01","application":"callcenter"}';
const CHANNEL_PLAYBACK =
  '{"type":"PlaybackStarted","timestamp":"2026-11-23T12:37:34.680+0000","playback":{"id":"rest-pb-1","media_uri":"sound:demo-congrats",' +
  '"target_uri":"channel:rest-agent-1","language":"en","state":"playing"},"asterisk_id":"02:fc:00:00:00:01","application":"callcenter"}';

function parse(frame: string): AriEvent {
  const parsed = parseAriEvent(frame);
  if (parsed.kind !== 'event') throw new Error(`expected an event, got ${parsed.kind}`);
  return parsed.event;
}

describe('parseAriEvent', () => {
  it('reads a captured Dial event with its fields as Asterisk names them', () => {
    const event = parse(DIAL_BUSY);
    expect(event.type === 'Dial' && [event.dialstatus, event.peer.id, event.caller]).toEqual([
      'BUSY',
      's09-busy',
      undefined,
    ]);
  });

  it('keeps the soft flag and the flag-valued cause of a ChannelHangupRequest', () => {
    const event = parse(HANGUP_REQUEST);
    expect(event.type === 'ChannelHangupRequest' && [event.soft, event.cause]).toEqual([true, 32]);
  });

  it('reports a type it does not handle as unhandled, not as an error', () => {
    const frame = '{"type":"ChannelTalkingStarted","timestamp":"x","channel":{"id":"a"},"application":"callcenter"}';
    expect(parseAriEvent(frame)).toEqual({ kind: 'unhandled', type: 'ChannelTalkingStarted' });
  });

  it('refuses a frame that is not JSON, has no type, or lacks the id routing needs', () => {
    expect(parseAriEvent('{"type":"StasisStart"').kind).toBe('invalid');
    expect(parseAriEvent('[1,2]').kind).toBe('invalid');
    expect(parseAriEvent('{"type":"StasisStart","args":[],"channel":{}}').kind).toBe('invalid');
    expect(parseAriEvent('{"type":"StasisStart","channel":{"id":"x"}}').kind).toBe('invalid');
  });

  it('accepts ApplicationReplaced, which carries no resource and no timestamp', () => {
    const event = parse('{"type":"ApplicationReplaced","application":"callcenter","asterisk_id":"02:fc:00:00:00:01"}');
    expect(event.type).toBe('ApplicationReplaced');
  });
});

describe('findChannelIdsOfEvent', () => {
  it('names the dialed peer of a Dial event', () => {
    expect(findChannelIdsOfEvent(parse(DIAL_BUSY))).toEqual(['s09-busy']);
  });

  it('names the channel a playback targets, and none for a bridge target', () => {
    expect(findChannelIdsOfEvent(parse(CHANNEL_PLAYBACK))).toEqual(['rest-agent-1']);
    expect(findChannelIdsOfEvent(parse(BRIDGE_RECORDING))).toEqual([]);
  });
});

describe('isBridgeMediaEvent', () => {
  it('recognises bridge-targeted media events, which subscribeAll doubles', () => {
    expect(isBridgeMediaEvent(parse(BRIDGE_RECORDING))).toBe(true);
    expect(isBridgeMediaEvent(parse(CHANNEL_PLAYBACK))).toBe(false);
    expect(isBridgeMediaEvent(parse(DIAL_BUSY))).toBe(false);
  });
});
