import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AmiClient,
  AmiConnectionLostError,
  AmiTimeoutError,
  type AmiClientOptions,
  type AmiStateChange,
} from '../../src/integrations/asterisk-ami/index.js';
import { AmiEmulator } from '../support/ami-emulator.js';
import { pause, silentLogger, waitUntil } from '../support/asterisk-test-helpers.js';

describe('AMI client: liveness and reconnect', () => {
  let emulator: AmiEmulator;
  let client: AmiClient | undefined;
  let changes: AmiStateChange[];

  function open(port: number, options: Partial<AmiClientOptions> = {}): AmiClient {
    client = new AmiClient({
      host: '127.0.0.1',
      port,
      username: 'ami',
      password: 'ami',
      logger: silentLogger(),
      keepAliveIntervalMs: 0,
      reconnect: { initialDelayMs: 10, maxDelayMs: 40 },
      ...options,
    });
    changes = [];
    client.onStateChange((change) => changes.push(change));
    client.start();
    return client;
  }

  beforeEach(async () => {
    emulator = await AmiEmulator.start();
  });
  afterEach(async () => {
    await client?.stop();
    client = undefined;
    await emulator.close();
  });

  it('reconnects and logs in again after the connection drops, failing the actions in flight', async () => {
    const ami = open(emulator.port);
    await waitUntil(() => ami.state === 'connected');
    emulator.answerDelayMs = () => 1_000;
    const pending = ami.ping();
    await waitUntil(() => emulator.actionsNamed('Ping').length === 1);
    emulator.dropConnections();
    await expect(pending).rejects.toBeInstanceOf(AmiConnectionLostError);
    emulator.answerDelayMs = () => 0;
    await waitUntil(() => emulator.actionsNamed('Login').length === 2 && ami.state === 'connected');
    await ami.ping();
    expect(changes.map((change) => change.state)).toEqual([
      'connecting',
      'connected',
      'disconnected',
      'connecting',
      'connected',
    ]);
  });

  it('fails a pending originate when the connection drops before its OriginateResponse', async () => {
    const ami = open(emulator.port);
    await waitUntil(() => ami.state === 'connected');
    emulator.originateScript = () => ({ reason: 4, delayMs: 1_000 });
    const originating = ami.originate({ channel: 'PJSIP/1001', application: 'Wait', asteriskChannelId: 'kept-id' });
    await waitUntil(() => emulator.actionsNamed('Originate').length === 1);
    emulator.dropConnections();
    await expect(originating).rejects.toBeInstanceOf(AmiConnectionLostError);
  });

  it('drops a connection whose Ping goes unanswered, then reconnects', async () => {
    const ami = open(emulator.port, { keepAliveIntervalMs: 20, keepAliveTimeoutMs: 30 });
    await waitUntil(() => ami.state === 'connected');
    emulator.setAnsweringPing(false);
    await waitUntil(() => changes.some((change) => change.state === 'disconnected'), 3_000, 'drop');
    emulator.setAnsweringPing(true);
    await waitUntil(() => ami.state === 'connected' && emulator.connectionsAccepted === 2, 3_000, 'reconnect');
    expect(emulator.actionsNamed('Login')).toHaveLength(2);
  });

  it('times out an action that gets no answer, and stays connected', async () => {
    const ami = open(emulator.port, { actionTimeoutMs: 30 });
    await waitUntil(() => ami.state === 'connected');
    emulator.setAnsweringPing(false);
    await expect(ami.ping()).rejects.toBeInstanceOf(AmiTimeoutError);
    expect(ami.state).toBe('connected');
  });

  it('keeps retrying with backoff while nothing listens, and connects once Asterisk is back', async () => {
    const port = emulator.port;
    await emulator.close();
    const ami = open(port);
    await waitUntil(() => changes.filter((change) => change.state === 'disconnected').length >= 3, 3_000, 'retries');
    expect(ami.state).not.toBe('connected');
    emulator = await AmiEmulator.start({ port });
    await waitUntil(() => ami.state === 'connected', 3_000, 'connected');
  });

  it('does not reconnect after stop', async () => {
    const ami = open(emulator.port);
    await waitUntil(() => ami.state === 'connected');
    await ami.stop();
    emulator.dropConnections();
    await pause(100);
    expect(emulator.connectionsAccepted).toBe(1);
    expect(ami.state).toBe('stopped');
  });
});
