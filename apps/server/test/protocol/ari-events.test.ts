import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AriClient,
  AriConnection,
  parseAriEvent,
  type AriConnectionOptions,
  type AriEvent,
  type AriReconciliation,
} from '../../src/integrations/asterisk-ari/index.js';
import { ARI_FIXTURES_DIR, AriEmulator } from '../support/ari-emulator.js';
import { silentLogger, waitUntil } from '../support/asterisk-test-helpers.js';

const SCENARIOS = readdirSync(`${ARI_FIXTURES_DIR}ari-events`)
  .filter((file) => file.endsWith('.jsonl'))
  .map((file) => file.replace(/\.jsonl$/, ''));

function handledTypes(file: string): string[] {
  return readFileSync(`${ARI_FIXTURES_DIR}${file}.jsonl`, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => parseAriEvent(line))
    .flatMap((parsed) => (parsed.kind === 'event' ? [parsed.event.type] : []));
}

describe('ARI events over the WebSocket', () => {
  let emulator: AriEmulator;
  let connection: AriConnection;
  let events: AriEvent[];
  let reports: AriReconciliation[];

  async function connect(options: Partial<AriConnectionOptions> = {}): Promise<void> {
    const logger = silentLogger();
    const client = new AriClient({ baseUrl: emulator.url, username: 'ari', password: 'ari', logger });
    connection = new AriConnection({
      client,
      app: 'callcenter',
      logger,
      reconnect: { initialDelayMs: 10, maxDelayMs: 40 },
      keepAliveIntervalMs: 0,
      ...options,
    });
    events = [];
    reports = [];
    connection.onEvent((event) => events.push(event));
    connection.onReconciled((report) => reports.push(report));
    connection.start();
    await waitUntil(() => reports.length === 1, 3_000, 'first reconciliation');
  }

  beforeEach(async () => {
    emulator = await AriEmulator.start();
  });
  afterEach(async () => {
    await connection.stop();
    await emulator.close();
  });

  it.each(SCENARIOS)('delivers every event of capture %s in order, typed', async (scenario) => {
    await connect();
    const [name = '', part] = scenario.split('.');
    const expected = handledTypes(`ari-events/${scenario}`);
    emulator.replay(name, part === undefined ? {} : { part });
    await waitUntil(() => events.length === expected.length, 3_000, `${expected.length} events`);
    expect(events.map((event) => event.type)).toEqual(expected);
  });

  it('drops the second copy of a bridge playback or recording event under subscribeAll', async () => {
    await connect();
    emulator.replay('ari-rest/events-during-rest-session');
    // Lines 69, 73, 81 and 83 of the capture repeat the line before them.
    const expected = handledTypes('ari-rest/events-during-rest-session').length - 4;
    await waitUntil(() => events.length === expected, 3_000, `${expected} events`);
    const bridgeMedia = events.filter(
      (event) =>
        (event.type === 'RecordingStarted' || event.type === 'PlaybackStarted') &&
        ('recording' in event ? event.recording.target_uri : event.playback.target_uri).startsWith('bridge:'),
    );
    expect(bridgeMedia.map((event) => event.type)).toEqual(['RecordingStarted', 'PlaybackStarted']);
    const channelPlaybacks = events.filter(
      (event) => event.type === 'PlaybackStarted' && event.playback.id === 'rest-pb-multi',
    );
    expect(channelPlaybacks).toHaveLength(3);
  });

  it('reads a StasisStart after a blind transfer: no args, and the channel it replaces', async () => {
    await connect();
    emulator.replay('s07-blind-transfer-from-stasis-bridge');
    await waitUntil(() => events.some((event) => event.type === 'BridgeBlindTransfer'));
    const replacing = events.find((event) => event.type === 'StasisStart' && event.replace_channel !== undefined);
    expect(replacing?.type === 'StasisStart' && [replacing.args, replacing.replace_channel?.id]).toEqual([
      [],
      's07-agent',
    ]);
  });

  it('gives a channel listener only that channel\u2019s events, then removes it at ChannelDestroyed', async () => {
    await connect();
    const seen: AriEvent[] = [];
    connection.onChannelEvent('s01-inbound', (event) => seen.push(event));
    expect(connection.channelListenerCount('s01-inbound')).toBe(1);
    emulator.replay('s01-inbound-into-stasis-caller-hangs-up');
    await waitUntil(() => seen.some((event) => event.type === 'ChannelDestroyed'));
    expect(seen.every((event) => 'channel' in event && event.channel?.id === 's01-inbound')).toBe(true);
    expect(seen.map((event) => event.type)).toContain('StasisStart');
    expect(seen.at(-1)?.type).toBe('ChannelDestroyed');
    expect(connection.channelListenerCount('s01-inbound')).toBe(0);
    expect(connection.channelListenerCount()).toBe(0);
  });

  it('replays a capture under our own channel ids, and GET /channels follows the replay', async () => {
    await connect();
    const client = new AriClient({ baseUrl: emulator.url, username: 'ari', password: 'ari', logger: silentLogger() });
    const seen: string[] = [];
    connection.onChannelEvent('call-42-in', (event) => seen.push(event.type));
    const rewriteIds = { 's12-inbound': 'call-42-in', 's12-caller': 'call-42-out' };
    emulator.replay('s12-websocket-disconnect-reconnect', { part: 'ws1', rewriteIds });
    await waitUntil(() => seen.includes('StasisStart'));
    const listed = await client.listChannels();
    expect(listed.map((channel) => channel.id).sort()).toEqual(['call-42-in', 'call-42-out']);
    expect(listed.find((channel) => channel.id === 'call-42-in')?.dialplan).toMatchObject({
      app_name: 'Stasis',
      app_data: 'callcenter,inbound',
    });
    emulator.replay('s12-websocket-disconnect-reconnect', { part: 'ws2', rewriteIds });
    await waitUntil(() => seen.includes('ChannelDestroyed'));
    expect(await client.listChannels()).toEqual([]);
  });

  it('without subscribeAll, removes a channel\u2019s listeners at StasisEnd, its last event (s13)', async () => {
    await connect({ subscribeAll: false });
    expect(emulator.requests.at(-1)?.path).toBe('/ari/channels');
    const customerEvents: string[] = [];
    connection.onChannelEvent('s13-customer', (event) => customerEvents.push(event.type));
    connection.onChannelEvent('s13-agent', () => undefined);
    emulator.replay('s13-bridge-customer-and-agent-without-subscribeAll');
    await waitUntil(() => events.some((event) => event.type === 'BridgeDestroyed'));
    expect(customerEvents.at(-1)).toBe('StasisEnd');
    expect(connection.channelListenerCount()).toBe(0);
  });

  it('stops giving events to a listener once it unsubscribes', async () => {
    await connect();
    const seen: string[] = [];
    const unsubscribe = connection.onChannelEvent('s02-inbound', (event) => {
      seen.push(event.type);
      if (event.type === 'StasisStart') unsubscribe();
    });
    emulator.replay('s02-inbound-into-stasis-app-hangs-up');
    await waitUntil(() =>
      events.some((event) => event.type === 'ChannelDestroyed' && event.channel.id === 's02-inbound'),
    );
    expect(seen.at(-1)).toBe('StasisStart');
  });

  it('keeps delivering when one listener throws or a frame is not JSON', async () => {
    await connect();
    connection.onEvent(() => {
      throw new Error('listener bug');
    });
    emulator.emitRaw('{"type":"StasisStart", truncated');
    emulator.replay('s08-originate-nonexistent-extension-fails');
    await waitUntil(
      () => events.length === handledTypes('ari-events/s08-originate-nonexistent-extension-fails').length,
    );
    expect(connection.state).toBe('connected');
  });

  it('routes the events of a REST hangup to the channel\u2019s listener and then forgets it', async () => {
    await connect();
    const client = new AriClient({ baseUrl: emulator.url, username: 'ari', password: 'ari', logger: silentLogger() });
    const seen: AriEvent[] = [];
    connection.onChannelEvent('inbound-9', (event) => seen.push(event));
    emulator.enterStasis('inbound-9', ['inbound']);
    await waitUntil(() => seen.some((event) => event.type === 'StasisStart'));
    await client.hangupChannel('inbound-9', { reason: 'normal' });
    await waitUntil(() => seen.some((event) => event.type === 'ChannelDestroyed'));
    expect(seen.map((event) => event.type)).toEqual([
      'ChannelVarset',
      'StasisStart',
      'ChannelHangupRequest',
      'StasisEnd',
      'ChannelDestroyed',
    ]);
    const destroyed = seen.at(-1);
    expect(destroyed?.type === 'ChannelDestroyed' && [destroyed.cause, destroyed.cause_txt]).toEqual([
      16,
      'Normal Clearing',
    ]);
    expect(connection.channelListenerCount('inbound-9')).toBe(0);
  });
});
