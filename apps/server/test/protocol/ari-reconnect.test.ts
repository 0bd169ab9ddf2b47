import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AriClient,
  AriConnection,
  AriUnauthorizedError,
  type AriConnectionOptions,
  type AriEvent,
  type AriReconciliation,
  type AriStateChange,
} from '../../src/integrations/asterisk-ari/index.js';
import { AriEmulator } from '../support/ari-emulator.js';
import { pause, silentLogger, waitUntil } from '../support/asterisk-test-helpers.js';

interface Harness {
  connection: AriConnection;
  events: AriEvent[];
  reports: AriReconciliation[];
  changes: AriStateChange[];
}

describe('ARI events connection: reconnect, reconciliation and takeover', () => {
  let emulator: AriEmulator;
  const harnesses: Harness[] = [];

  function open(options: Partial<AriConnectionOptions> & { password?: string } = {}): Harness {
    const logger = silentLogger();
    const client = new AriClient({
      baseUrl: emulator.url,
      username: 'ari',
      password: options.password ?? 'ari',
      logger,
    });
    const connection = new AriConnection({
      client,
      app: 'callcenter',
      logger,
      reconnect: { initialDelayMs: 10, maxDelayMs: 40 },
      keepAliveIntervalMs: 0,
      ...options,
    });
    const harness: Harness = { connection, events: [], reports: [], changes: [] };
    connection.onEvent((event) => harness.events.push(event));
    connection.onReconciled((report) => harness.reports.push(report));
    connection.onStateChange((change) => harness.changes.push(change));
    connection.start();
    harnesses.push(harness);
    return harness;
  }

  /** Cuts the socket and keeps Asterisk unreachable until `reachable()` is called. */
  async function disconnect(harness: Harness): Promise<{ reachable: () => void }> {
    emulator.setAcceptingWebSockets(false);
    emulator.dropWebSockets();
    await waitUntil(() => harness.connection.state !== 'connected', 3_000, 'disconnect');
    return { reachable: () => emulator.setAcceptingWebSockets(true) };
  }

  beforeEach(async () => {
    emulator = await AriEmulator.start();
  });
  afterEach(async () => {
    for (const harness of harnesses.splice(0)) await harness.connection.stop();
    await emulator.close();
  });

  it('reports on the first connection the channels a previous process left in Stasis, as unknown, not as a reconnect', async () => {
    // A previous process held the app; its calls stay in Stasis after its socket is gone.
    const previous = open();
    await waitUntil(() => previous.reports.length === 1);
    emulator.enterStasis('waiting-1', ['inbound']);
    await waitUntil(() => previous.events.some((event) => event.type === 'StasisStart'));
    await previous.connection.stop();
    await waitUntil(() => emulator.openWebSocketCount === 0);

    const { reports, connection } = open({ getKnownAsteriskChannelIds: () => ['from-database-1'] });
    await waitUntil(() => reports.length === 1);
    expect(connection.state).toBe('connected');
    expect(reports[0]).toMatchObject({ isReconnect: false, goneAsteriskChannelIds: ['from-database-1'] });
    expect(reports[0]?.unknownInStasis.map((channel) => channel.id)).toEqual(['waiting-1']);
  });

  it('has a channel that reaches Stasis while no socket holds the app refused and hung up by Asterisk', async () => {
    const harness = open();
    await waitUntil(() => harness.reports.length === 1);
    await harness.connection.stop();
    await waitUntil(() => emulator.openWebSocketCount === 0);

    emulator.enterStasis('nobody-listening', ['inbound']);
    expect(emulator.stasisRefusals).toEqual([
      expect.stringMatching(/Stasis app 'callcenter' (doesn't exist|not active)$/),
    ]);
    expect(emulator.state.channels.has('nobody-listening')).toBe(false);
    expect(emulator.state.stasisChannelIds.has('nobody-listening')).toBe(false);

    // The next connection has nothing to reconcile: the call never was in the app.
    const next = open({ getKnownAsteriskChannelIds: () => [] });
    await waitUntil(() => next.reports.length === 1);
    expect(next.reports[0]?.unknownInStasis).toEqual([]);
    expect(next.events.some((event) => event.type === 'StasisStart')).toBe(false);
  });

  it('reconnects after the socket drops and reports what changed while it was away', async () => {
    const harness = open();
    await waitUntil(() => harness.reports.length === 1);
    for (const id of ['stays', 'gone', 'continued']) emulator.enterStasis(id, ['inbound']);
    await waitUntil(() => harness.events.filter((event) => event.type === 'StasisStart').length === 3);

    const asterisk = await disconnect(harness);
    emulator.state.channels.delete('gone');
    emulator.state.stasisChannelIds.delete('gone');
    const continued = emulator.state.channels.get('continued')!;
    continued.dialplan = { ...continued.dialplan, app_name: 'Playback', app_data: 'demo-congrats' };
    // A call that arrives meanwhile cannot enter the app (no socket holds it): Asterisk
    // hangs it up, so it is in no list of the report.
    emulator.enterStasis('arrived', ['inbound']);
    expect(emulator.stasisRefusals).toHaveLength(1);
    asterisk.reachable();

    await waitUntil(() => harness.reports.length === 2, 3_000, 'second reconciliation');
    const report = harness.reports[1]!;
    expect(report.isReconnect).toBe(true);
    expect(report.goneAsteriskChannelIds).toEqual(['gone']);
    expect(report.stillInStasis.map((channel) => channel.id)).toEqual(['stays']);
    expect(report.leftStasis.map((channel) => channel.id)).toEqual(['continued']);
    expect(report.unknownInStasis).toEqual([]);
    const states = harness.changes.map((change) => change.state);
    expect(states).toEqual(expect.arrayContaining(['connected', 'disconnected', 'connecting']));
    expect(states.at(-1)).toBe('connected');
  });

  it('loses events while disconnected and receives them again on the new socket (s12)', async () => {
    const harness = open();
    await waitUntil(() => harness.reports.length === 1);
    const seen: string[] = [];
    harness.connection.onChannelEvent('s12-inbound', (event) => seen.push(event.type));
    emulator.replay('s12-websocket-disconnect-reconnect', { part: 'ws1' });
    await waitUntil(() => seen.includes('StasisStart'));

    const asterisk = await disconnect(harness);
    emulator.emit({
      type: 'PlaybackStarted',
      timestamp: 'lost',
      playback: { id: 'lost', target_uri: 'channel:s12-inbound' },
    });
    asterisk.reachable();
    await waitUntil(() => harness.reports.length === 2);
    expect(harness.reports[1]?.stillInStasis.map((channel) => channel.id)).toEqual(['s12-inbound']);

    emulator.replay('s12-websocket-disconnect-reconnect', { part: 'ws2' });
    await waitUntil(() => seen.includes('ChannelDestroyed'));
    expect(seen.slice(seen.indexOf('StasisStart') + 1)).toEqual([
      'PlaybackFinished',
      'PlaybackStarted',
      'PlaybackFinished',
      'ChannelHangupRequest',
      'StasisEnd',
      'ChannelVarset',
      'ChannelHangupRequest',
      'ChannelDestroyed',
    ]);
    expect(harness.connection.channelListenerCount()).toBe(0);
  });

  it('removes the listeners of a channel that ended while disconnected', async () => {
    const harness = open();
    await waitUntil(() => harness.reports.length === 1);
    harness.connection.onChannelEvent('ends-unseen', () => undefined);
    emulator.enterStasis('ends-unseen');
    const asterisk = await disconnect(harness);
    emulator.state.channels.delete('ends-unseen');
    asterisk.reachable();
    await waitUntil(() => harness.reports.length === 2);
    expect(harness.reports[1]?.goneAsteriskChannelIds).toEqual(['ends-unseen']);
    expect(harness.connection.channelListenerCount('ends-unseen')).toBe(0);
  });

  it('keeps retrying with backoff while Asterisk refuses the WebSocket, then connects', async () => {
    emulator.setAcceptingWebSockets(false);
    const harness = open();
    await waitUntil(() => emulator.upgradeRequests >= 3, 3_000, 'three attempts');
    expect(harness.connection.state).not.toBe('connected');
    emulator.setAcceptingWebSockets(true);
    await waitUntil(() => harness.reports.length === 1);
    expect(harness.reports[0]?.isReconnect).toBe(false);
  });

  it('stops, without reconnecting, when another client takes the application', async () => {
    const first = open();
    await waitUntil(() => first.reports.length === 1);
    const second = open();
    await waitUntil(() => first.connection.state === 'replaced' && second.connection.state === 'connected');
    expect(first.events.map((event) => event.type)).toEqual(['ApplicationReplaced']);
    expect(first.changes.at(-1)).toMatchObject({ state: 'replaced', previous: 'connected' });

    emulator.enterStasis('after-takeover');
    await waitUntil(() => second.events.some((event) => event.type === 'StasisStart'));
    // A bounded window in which a reconnecting client would have retried several times.
    await pause(150);
    expect(emulator.upgradeRequests).toBe(2);
    expect(first.events.some((event) => event.type === 'StasisStart')).toBe(false);
  });

  it('takes the application back when started again after a takeover', async () => {
    const first = open();
    await waitUntil(() => first.reports.length === 1);
    const second = open();
    await waitUntil(() => first.connection.state === 'replaced');
    first.connection.start();
    await waitUntil(() => first.connection.state === 'connected' && second.connection.state === 'replaced');
  });

  it('stops, without reconnecting, when Asterisk rejects the credentials', async () => {
    const harness = open({ password: 'wrong' });
    await waitUntil(() => harness.connection.state === 'failed');
    expect(harness.changes.at(-1)?.error).toBeInstanceOf(AriUnauthorizedError);
    await pause(150);
    expect(emulator.upgradeRequests).toBe(1);
    expect(emulator.webSocketsOpened).toBe(0);
  });

  it('drops a connection that stops answering pings, and reconnects', async () => {
    const harness = open({ keepAliveIntervalMs: 30 });
    await waitUntil(() => harness.reports.length === 1);
    emulator.setAnsweringPings(false);
    await waitUntil(() => harness.changes.some((change) => change.state === 'disconnected'), 3_000, 'dropped');
    emulator.setAnsweringPings(true);
    await waitUntil(() => harness.reports.length === 2, 3_000, 'reconnected');
    expect(emulator.webSocketsOpened).toBeGreaterThanOrEqual(2);
  });

  it('closes the socket on stop and does not reconnect', async () => {
    const harness = open();
    await waitUntil(() => harness.reports.length === 1);
    await harness.connection.stop();
    expect(harness.connection.state).toBe('stopped');
    await waitUntil(() => emulator.openWebSocketCount === 0);
    await pause(100);
    expect(emulator.upgradeRequests).toBe(1);
  });
});
