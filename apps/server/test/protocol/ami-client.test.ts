import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AmiActionError,
  AmiAuthenticationError,
  AmiClient,
  AmiInvalidArgumentError,
  AmiNotConnectedError,
  type AmiClientOptions,
  type AmiMessage,
  type AmiStateChange,
} from '../../src/integrations/asterisk-ami/index.js';
import { AmiEmulator } from '../support/ami-emulator.js';
import { pause, silentLogger, waitUntil } from '../support/asterisk-test-helpers.js';

describe('AMI client against the emulated Asterisk 22.10.1', () => {
  let emulator: AmiEmulator;
  let client: AmiClient;
  let events: AmiMessage[];
  let changes: AmiStateChange[];

  async function connect(options: Partial<AmiClientOptions> = {}, waitFor = 'connected'): Promise<void> {
    client = new AmiClient({
      host: '127.0.0.1',
      port: emulator.port,
      username: 'ami',
      password: 'ami',
      logger: silentLogger(),
      keepAliveIntervalMs: 0,
      reconnect: { initialDelayMs: 10, maxDelayMs: 40 },
      ...options,
    });
    events = [];
    changes = [];
    client.onEvent((event) => events.push(event));
    client.onStateChange((change) => changes.push(change));
    client.start();
    await waitUntil(() => client.state === waitFor, 3_000, `state ${waitFor}`);
  }

  beforeEach(async () => {
    emulator = await AmiEmulator.start({ failedLoginDelayMs: 20 });
  });
  afterEach(async () => {
    await client.stop();
    await emulator.close();
  });

  it('logs in after the banner with Events on, and receives the events that follow', async () => {
    await connect();
    const [login] = emulator.actions;
    expect(login?.fields.map(([key]) => key)).toEqual(['Action', 'ActionID', 'Username', 'Secret', 'Events']);
    expect([login?.get('Username'), login?.get('Secret'), login?.get('Events')]).toEqual(['ami', 'ami', 'on']);
    await waitUntil(() => events.length === 2);
    expect(events.map((event) => event.get('Event'))).toEqual(['FullyBooted', 'SuccessfulAuth']);
  });

  it('fails for good on rejected credentials, after Asterisk\u2019s delay, without retrying', async () => {
    await connect({ password: 'wrong' }, 'failed');
    const failure = changes.at(-1);
    expect(failure?.error).toBeInstanceOf(AmiAuthenticationError);
    expect(failure?.error).toMatchObject({ asteriskMessage: 'Authentication failed' });
    await pause(120);
    expect(emulator.connectionsAccepted).toBe(1);
    await expect(client.ping()).rejects.toBeInstanceOf(AmiNotConnectedError);
  });

  it('matches answers to concurrent actions by ActionID when they come back out of order', async () => {
    await connect();
    const delays: Record<string, number> = { A: 40, B: 0, C: 20 };
    emulator.answerDelayMs = (action) => delays[action.get('Variable') ?? ''] ?? 0;
    for (const name of Object.keys(delays)) emulator.globals.set(name, `value-${name}`);
    const values = await Promise.all(Object.keys(delays).map((variable) => client.getVariable({ variable })));
    expect(values).toEqual(['value-A', 'value-B', 'value-C']);
    const getvars = emulator.actionsNamed('Getvar');
    expect(new Set(getvars.map((action) => action.get('ActionID'))).size).toBe(3);
  });

  it('gathers an event list into one result (CoreShowChannels)', async () => {
    await connect();
    emulator.addChannel({ name: 'Local/200@cc-test-00000020;2', uniqueid: 'ami-orig-1-peer', linkedid: 'ami-orig-1' });
    emulator.addChannel({ name: 'Local/200@cc-test-00000020;1', uniqueid: 'ami-orig-1', callerIdNum: '5551000' });
    const channels = await client.listChannels();
    expect(
      channels.map((channel) => [channel.channelName, channel.asteriskChannelId, channel.linkedAsteriskChannelId]),
    ).toEqual([
      ['Local/200@cc-test-00000020;2', 'ami-orig-1-peer', 'ami-orig-1'],
      ['Local/200@cc-test-00000020;1', 'ami-orig-1', 'ami-orig-1'],
    ]);
    expect(channels[1]).toMatchObject({ state: 'Up', callerIdNumber: '5551000', duration: '00:00:01' });
    // List items carry the ActionID and are the action's answer, not events for listeners.
    expect(events.some((event) => event.get('Event') === 'CoreShowChannel')).toBe(false);
  });

  it('originates asynchronously with our channel ids and resolves when OriginateResponse arrives', async () => {
    await connect();
    emulator.originateScript = () => ({ reason: 4, delayMs: 30 });
    const originating = client.originate({
      channel: 'Local/200@cc-test',
      context: 'cc-test',
      exten: '600',
      priority: 1,
      callerId: '"AMI Test" <5551000>',
      timeoutMs: 15_000,
      asteriskChannelId: 'ami-orig-1',
      otherAsteriskChannelId: 'ami-orig-1-peer',
      variables: { CC_QUEUE: 'sales' },
    });
    // Other actions keep working while the originate waits for its event.
    await client.ping();
    const result = await originating;
    expect(result).toMatchObject({
      outcome: 'answered',
      reasonCode: 4,
      asteriskChannelId: 'ami-orig-1',
      otherAsteriskChannelId: 'ami-orig-1-peer',
      channelName: 'Local/200@cc-test-00000020;1',
    });
    const [originate] = emulator.actionsNamed('Originate');
    expect(originate?.get('Async')).toBe('true');
    expect([originate?.get('ChannelId'), originate?.get('OtherChannelId')]).toEqual(['ami-orig-1', 'ami-orig-1-peer']);
    expect(originate?.getAll('Variable')).toEqual(['CC_QUEUE=sales']);
    expect(events.some((event) => event.get('Event') === 'OriginateResponse')).toBe(true);
    expect(await client.getVariable({ channelName: result.channelName, variable: 'CC_QUEUE' })).toBe('sales');
  });

  it('generates the channel id when the caller gives none', async () => {
    await connect();
    const result = await client.originate({ channel: 'PJSIP/1001', application: 'Wait', data: '5' });
    expect(result.asteriskChannelId).toMatch(/^[0-9a-f-]{36}$/);
    expect(emulator.actionsNamed('Originate')[0]?.get('ChannelId')).toBe(result.asteriskChannelId);
  });

  it.each([
    [0, 'failed'],
    [1, 'no_answer'],
    [3, 'no_answer'],
    [5, 'busy'],
    [8, 'congestion'],
  ] as const)('reports an originate that ends with Reason %i as %s', async (reason, outcome) => {
    await connect();
    emulator.originateScript = () => ({ reason, delayMs: 5 });
    const result = await client.originate({
      channel: 'Local/700@cc-test',
      application: 'Wait',
      data: '5',
      timeoutMs: 3_000,
    });
    expect(result).toMatchObject({ outcome, reasonCode: reason, channelName: 'Local/700@cc-test' });
    expect(result.event.get('Uniqueid')).toBe('<unknown>');
  });

  it('rejects an action that Asterisk answers with Response: Error, with Asterisk\u2019s message', async () => {
    await connect();
    const getvar = client.getVariable({ channelName: 'Local/200@cc-test-00000000;1', variable: 'CC_QUEUE' });
    await expect(getvar).rejects.toBeInstanceOf(AmiActionError);
    await expect(getvar).rejects.toMatchObject({ action: 'Getvar', asteriskMessage: 'No such channel' });
    await expect(
      client.redirect({ channelName: 'Local/nosuch-00000000;1', context: 'cc-test', exten: '200', priority: 1 }),
    ).rejects.toMatchObject({ asteriskMessage: 'Channel does not exist: Local/nosuch-00000000;1' });
    await expect(client.hangup('Local/nosuch-00000000;1')).rejects.toMatchObject({
      asteriskMessage: 'No such channel',
    });
    await expect(client.sendAction('NoSuchAction')).rejects.toMatchObject({
      asteriskMessage: 'Invalid/unknown command: NoSuchAction. Use Action: ListCommands to show available commands.',
    });
  });

  it('redirects, sets and reads variables, and hangs up with a cause', async () => {
    await connect();
    const channel = emulator.addChannel({ name: 'Local/100@cc-test-00000001;2', uniqueid: 'inbound-1' });
    await client.redirect({ channelName: channel.name, context: 'cc-test', exten: '410', priority: 1 });
    expect([channel.context, channel.exten]).toEqual(['cc-test', '410']);
    await client.setVariable({ channelName: channel.name, variable: 'CC_AGENT', value: 'alice, smith' });
    expect(await client.getVariable({ channelName: channel.name, variable: 'CC_AGENT' })).toBe('alice, smith');
    expect(await client.getVariable({ variable: 'GLOBAL_NOT_SET' })).toBe('');
    await client.hangup(channel.name, { cause: 16 });
    await waitUntil(() => events.some((event) => event.get('Event') === 'Hangup'));
    const hangup = events.find((event) => event.get('Event') === 'Hangup');
    expect([hangup?.get('Uniqueid'), hangup?.get('Cause'), hangup?.get('Cause-txt')]).toEqual([
      'inbound-1',
      '16',
      'Normal Clearing',
    ]);
  });

  it('refuses values AMI would misread before sending anything', async () => {
    await connect();
    const sent = emulator.actions.length;
    await expect(client.hangup('PJSIP/1001\r\nAction: Logoff')).rejects.toBeInstanceOf(AmiInvalidArgumentError);
    const originate = client.originate({
      channel: 'PJSIP/1001',
      application: 'Wait',
      variables: { NAME: 'Doe, John' },
    });
    await expect(originate).rejects.toBeInstanceOf(AmiInvalidArgumentError);
    expect(emulator.actions.length).toBe(sent);
  });

  it('refuses an async originate when events are off, since its result is an event', async () => {
    await connect({ receivesEvents: false });
    expect(emulator.actions[0]?.get('Events')).toBe('off');
    await expect(client.originate({ channel: 'PJSIP/1001', application: 'Wait' })).rejects.toBeInstanceOf(
      AmiInvalidArgumentError,
    );
  });

  it('understands answers that arrive a few bytes per read', async () => {
    emulator.setFragmentedWrites(7);
    await connect();
    emulator.addChannel({ name: 'PJSIP/1001-00000001' });
    expect((await client.listChannels()).map((channel) => channel.channelName)).toEqual(['PJSIP/1001-00000001']);
    emulator.originateScript = () => ({ reason: 5 });
    expect((await client.originate({ channel: 'PJSIP/1002', application: 'Wait' })).outcome).toBe('busy');
  });

  it('fails at once, without queueing, when not connected', async () => {
    client = new AmiClient({
      host: '127.0.0.1',
      port: emulator.port,
      username: 'ami',
      password: 'ami',
      logger: silentLogger(),
    });
    await expect(client.ping()).rejects.toBeInstanceOf(AmiNotConnectedError);
    expect(emulator.connectionsAccepted).toBe(0);
  });

  it('logs off on stop, and Asterisk says goodbye', async () => {
    await connect();
    await client.stop();
    expect(client.state).toBe('stopped');
    expect(emulator.actionsNamed('Logoff')).toHaveLength(1);
    await waitUntil(() => emulator.openConnectionCount === 0);
  });
});
