import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  AriBadRequestError,
  AriClient,
  AriConflictError,
  AriError,
  AriInvalidRequestError,
  AriNotFoundError,
  AriPreconditionFailedError,
  AriServerError,
  AriUnauthorizedError,
  AriUnavailableError,
  AriUnprocessableEntityError,
} from '../../src/integrations/asterisk-ari/index.js';
import { UpstreamError } from '../../src/shared/errors.js';
import { AriEmulator } from '../support/ari-emulator.js';
import { silentLogger } from '../support/asterisk-test-helpers.js';

describe('ARI REST client against the emulated Asterisk 22.10.1', () => {
  let emulator: AriEmulator;
  let ari: AriClient;
  let events: WebSocket;

  beforeAll(async () => {
    emulator = await AriEmulator.start();
    ari = new AriClient({ baseUrl: emulator.url, username: 'ari', password: 'ari', logger: silentLogger() });
    // The app is held by an events WebSocket, as Switchboard holds it: without one, Asterisk
    // (and the emulator) refuse channels entering Stasis.
    events = new WebSocket(`${emulator.url.replace('http:', 'ws:')}/ari/events?app=callcenter&api_key=ari:ari`);
    events.on('error', () => undefined);
    await emulator.waitForWebSockets(1, 10_000);
  });
  afterAll(async () => {
    events?.terminate();
    await emulator.close();
  });
  beforeEach(() => {
    emulator.requests.length = 0;
  });

  async function originateAgent(asteriskChannelId: string) {
    return ari.originateChannel({
      endpoint: 'Local/620@cc-test',
      asteriskChannelId,
      otherAsteriskChannelId: `${asteriskChannelId}-peer`,
      app: 'callcenter',
      appArgs: ['agent', '1001'],
      callerId: '"Agent Alice" <1001>',
      timeoutSeconds: 30,
      variables: { CC_QUEUE: 'sales' },
    });
  }

  it('originates with our channel id, comma-joined appArgs in the query and variables in a JSON body', async () => {
    const channel = await originateAgent('agent-1');
    expect(channel).toMatchObject({ id: 'agent-1', state: 'Down', caller: { name: 'Agent Alice', number: '1001' } });
    const [request] = emulator.requests;
    expect(request).toMatchObject({
      method: 'POST',
      path: '/ari/channels',
      query: {
        endpoint: 'Local/620@cc-test',
        channelId: 'agent-1',
        otherChannelId: 'agent-1-peer',
        app: 'callcenter',
        appArgs: 'agent,1001',
        timeout: '30',
      },
    });
    expect(JSON.parse(request?.body ?? '')).toEqual({ variables: { CC_QUEUE: 'sales' } });
    expect(request?.authorization).toBe(`Basic ${Buffer.from('ari:ari').toString('base64')}`);
    expect(await ari.getChannelVariable('agent-1', 'CC_QUEUE')).toBe('sales');
  });

  it('refuses an appArgs element with a comma before sending anything', async () => {
    const originate = ari.originateChannel({
      endpoint: 'Local/1@x',
      asteriskChannelId: 'c',
      app: 'a',
      appArgs: ['a,b'],
    });
    await expect(originate).rejects.toBeInstanceOf(AriInvalidRequestError);
    expect(emulator.requests).toHaveLength(0);
  });

  it('answers, rings, sets variables and hangs up a channel in Stasis, with the reason in the query', async () => {
    await originateAgent('agent-2');
    emulator.enterStasis('agent-2', ['agent', '1001']);
    await ari.ringChannel('agent-2');
    await ari.answerChannel('agent-2');
    await ari.setChannelVariable('agent-2', 'CC_AGENT', 'alice');
    expect(await ari.getChannelVariable('agent-2', 'CC_AGENT')).toBe('alice');
    expect((await ari.getChannel('agent-2')).state).toBe('Up');
    await ari.hangupChannel('agent-2', { reason: 'busy' });
    expect(emulator.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: '/ari/channels/agent-2',
      query: { reason: 'busy' },
    });
    await expect(ari.getChannel('agent-2')).rejects.toBeInstanceOf(AriNotFoundError);
  });

  it('escapes a Local half id with a semicolon in the path', async () => {
    await originateAgent('agent-3');
    const peer = await ari.getChannel('agent-3-peer');
    expect(peer.name).toMatch(/;2$/);
    await ari.originateChannel({ endpoint: 'Local/600@cc-test', asteriskChannelId: 'solo', app: 'callcenter' });
    expect((await ari.getChannel('solo;2')).id).toBe('solo;2');
    expect(emulator.requests.at(-1)?.path).toBe('/ari/channels/solo;2');
  });

  it('creates a bridge, adds and removes channels, plays and records it, and destroys it', async () => {
    await originateAgent('agent-4');
    emulator.enterStasis('agent-4');
    emulator.enterStasis('customer-4', ['inbound']);
    const bridge = await ari.createBridge({ bridgeId: 'bridge-4', type: 'mixing', name: 'queue-sales' });
    expect(bridge).toMatchObject({ id: 'bridge-4', bridge_type: 'mixing', bridge_class: 'stasis', channels: [] });
    await ari.addChannelsToBridge('bridge-4', ['customer-4', 'agent-4']);
    expect(emulator.requests.at(-1)?.query).toEqual({ channel: 'customer-4,agent-4' });
    expect((await ari.getBridge('bridge-4')).channels).toEqual(['customer-4', 'agent-4']);
    const playback = await ari.playOnBridge('bridge-4', {
      media: ['sound:beep', 'sound:demo-congrats'],
      playbackId: 'pb-4',
    });
    expect(playback).toMatchObject({ id: 'pb-4', media_uri: 'sound:beep', next_media_uri: 'sound:demo-congrats' });
    const recording = await ari.recordBridge('bridge-4', { name: 'rec-4', format: 'wav', ifExists: 'overwrite' });
    expect(recording).toEqual({ name: 'rec-4', format: 'wav', state: 'queued', target_uri: 'bridge:bridge-4' });
    await ari.stopLiveRecording('rec-4');
    expect(await ari.getStoredRecording('rec-4')).toEqual({ name: 'rec-4', format: 'wav' });
    await ari.removeChannelFromBridge('bridge-4', 'agent-4');
    await ari.destroyBridge('bridge-4');
    await expect(ari.getBridge('bridge-4')).rejects.toBeInstanceOf(AriNotFoundError);
  });

  it('always sends format when recording a bridge, and refuses to send a request without one', async () => {
    await ari.createBridge({ bridgeId: 'bridge-5' });
    const recording = ari.recordBridge('bridge-5', { name: 'rec-5', format: '' });
    await expect(recording).rejects.toBeInstanceOf(AriInvalidRequestError);
    expect(emulator.requests.map((request) => request.path)).not.toContain('/ari/bridges/bridge-5/record');
    expect(emulator.crashes).toEqual([]);
  });

  it('copies and deletes stored recordings', async () => {
    emulator.state.storedRecordings.set('call-6', { name: 'call-6', format: 'wav' });
    expect(await ari.copyStoredRecording('call-6', 'call-6-copy')).toEqual({ name: 'call-6-copy', format: 'wav' });
    await ari.deleteStoredRecording('call-6');
    await expect(ari.deleteStoredRecording('call-6')).rejects.toBeInstanceOf(AriNotFoundError);
    expect((await ari.listStoredRecordings()).map((stored) => stored.name)).toContain('call-6-copy');
  });

  it('stops a playback, but a digits: playback cannot be stopped (a 500, as in capture 903)', async () => {
    emulator.enterStasis('agent-7');
    await ari.playOnChannel('agent-7', { media: 'sound:demo-congrats', playbackId: 'pb-7' });
    await ari.stopPlayback('pb-7');
    await ari.playOnChannel('agent-7', { media: ['digits:4242', 'tone:ring;tonezone=us'], playbackId: 'pb-7d' });
    const stop = ari.stopPlayback('pb-7d');
    await expect(stop).rejects.toBeInstanceOf(AriServerError);
    await expect(stop).rejects.toMatchObject({ status: 500, asteriskMessage: 'Could not stop playback' });
  });

  describe('maps every error status to its typed error, keeping Asterisk\u2019s message', () => {
    it('400: addChannel with an unknown channel is a bad request, not a 404', async () => {
      await ari.createBridge({ bridgeId: 'bridge-e1' });
      const add = ari.addChannelsToBridge('bridge-e1', ['nosuchchannel']);
      await expect(add).rejects.toBeInstanceOf(AriBadRequestError);
      await expect(add).rejects.toMatchObject({ status: 400, asteriskMessage: 'Channel not found' });
    });

    it('401: a wrong password', async () => {
      const wrong = new AriClient({
        baseUrl: emulator.url,
        username: 'ari',
        password: 'wrong',
        logger: silentLogger(),
      });
      await expect(wrong.listChannels()).rejects.toMatchObject({
        constructor: AriUnauthorizedError,
        status: 401,
        asteriskMessage: 'Authentication required',
      });
    });

    it('404: a channel that does not exist', async () => {
      const answer = ari.answerChannel('nosuchchannel');
      await expect(answer).rejects.toBeInstanceOf(AriNotFoundError);
      await expect(answer).rejects.toMatchObject({ status: 404, asteriskMessage: 'Channel not found' });
    });

    it('409: answering a channel that is not in Stasis, and a duplicate channel id', async () => {
      await originateAgent('agent-e2');
      await expect(ari.answerChannel('agent-e2')).rejects.toMatchObject({
        constructor: AriConflictError,
        asteriskMessage: 'Channel not in Stasis application',
      });
      await expect(originateAgent('agent-e2')).rejects.toMatchObject({
        constructor: AriConflictError,
        asteriskMessage: 'Channel with given unique ID already exists',
      });
    });

    it('412: a precondition Asterisk documents but the captures never showed', async () => {
      emulator.enterStasis('agent-e3');
      emulator.failNext('POST', '/ari/channels/agent-e3/ring', 412, 'Channel in invalid state');
      await expect(ari.ringChannel('agent-e3')).rejects.toMatchObject({
        constructor: AriPreconditionFailedError,
        status: 412,
        asteriskMessage: 'Channel in invalid state',
      });
    });

    it('422: removing a channel that is not in the bridge', async () => {
      emulator.enterStasis('agent-e4');
      await ari.createBridge({ bridgeId: 'bridge-e4' });
      await expect(ari.removeChannelFromBridge('bridge-e4', 'agent-e4')).rejects.toMatchObject({
        constructor: AriUnprocessableEntityError,
        status: 422,
        asteriskMessage: 'Channel not in this bridge',
      });
    });

    it('500: an unknown technology, whose body says "error" instead of "message"', async () => {
      const originate = ari.originateChannel({ endpoint: 'Bogus/123', asteriskChannelId: 'bogus', app: 'callcenter' });
      await expect(originate).rejects.toMatchObject({
        constructor: AriServerError,
        status: 500,
        asteriskMessage: 'Allocation failed',
      });
    });

    it('every ARI error is an UpstreamError carrying method and path', async () => {
      const error = await ari.getBridge('nosuchbridge').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AriError);
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ code: 'asterisk.ari.not_found', method: 'GET', path: '/bridges/nosuchbridge' });
    });
  });

  it('reports Asterisk unavailable when the connection is reset mid-request', async () => {
    // A request Asterisk 22.10.1 crashes on (900), sent raw to show what the client then sees.
    await ari.createBridge({ bridgeId: 'crash-bridge' });
    const response = fetch(`${emulator.url}/ari/bridges/crash-bridge/record?name=no-format`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('ari:ari').toString('base64')}` },
    });
    await expect(response).rejects.toThrow();
    expect(emulator.crashes).toHaveLength(1);
    const ping = ari.ping();
    await expect(ping).rejects.toBeInstanceOf(AriUnavailableError);
    await expect(ping).rejects.toMatchObject({ isUnavailable: true, status: 0 });
    emulator.recoverFromCrash();
    expect((await ari.ping()).ping).toBe('pong');
  });

  it('reports Asterisk unavailable when nothing listens', async () => {
    const closed = await AriEmulator.start();
    const url = closed.url;
    await closed.close();
    const client = new AriClient({ baseUrl: url, username: 'ari', password: 'ari', logger: silentLogger() });
    await expect(client.ping()).rejects.toMatchObject({
      constructor: AriUnavailableError,
      asteriskMessage: 'ECONNREFUSED',
    });
  });
});
