/**
 * Waiting in a voice queue: music on hold, position and estimated wait in Portuguese on
 * joining and then at most every 30 s (the test moves the server's clock), and callers who
 * hang up while waiting (abandons, short ones counted apart).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerDials, playbacksOn } from '../support/ari-emulator.queue.js';
import { pause } from '../support/asterisk-test-helpers.js';
import { requestsTo, waitFor } from '../support/pbx.js';
import { connectSocket } from '../support/socket.js';
import {
  callField,
  callOfChannel,
  newDid,
  routeDid,
  spokenText,
  startVoiceQueueServer,
  voiceQueue,
  type VoiceQueueTest,
} from '../support/voice-queue.js';

describe('voice queue: waiting', () => {
  let t: VoiceQueueTest;

  beforeAll(async () => {
    t = await startVoiceQueueServer();
  });
  afterAll(async () => {
    await t.close();
  });

  const playsOn = (channelId: string) =>
    t.ari.requests.filter((r) => r.method === 'POST' && r.path === `/ari/channels/${channelId}/play`);

  it('tells waiting callers their position and wait over the music, on joining and again after 30 s', async () => {
    const { api, ari, admin, clock } = t;
    const queue = await voiceQueue(api, admin, { name: `Fila ${newDid()}`, announce_position: true }, []);
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });

    const first = callerDials(ari, { channelId: `first-${did}`, did, callerNumber: '+5511987650101' });
    await waitFor(() => playsOn(first.id).length === 1, 'first announcement');
    expect(requestsTo(ari, 'POST', `/channels/${first.id}/moh`)).toHaveLength(1);
    expect(requestsTo(ari, 'DELETE', `/channels/${first.id}/moh`)).toHaveLength(1);
    const media = playsOn(first.id)[0]!.query.media!;
    expect(media).toMatch(/^sound:http:\/\/switchboard\.test:3000\/api\/voice\/prompts\/pt-BR\/.+\.wav$/);
    expect(spokenText(media)).toBe('Você é o próximo da fila. Tempo estimado de espera: cerca de 3 minutos.');

    // Asterisk fetches the prompt over HTTP: a WAV it can play.
    const path = media.slice('sound:http://switchboard.test:3000'.length);
    const wav = await fetch(`${api.baseUrl}${path}`);
    expect(wav.status).toBe(200);
    expect(wav.headers.get('content-type')).toBe('audio/wav');
    expect(
      Buffer.from(await wav.arrayBuffer())
        .subarray(0, 4)
        .toString('ascii'),
    ).toBe('RIFF');
    const forged = await fetch(`${api.baseUrl}${path.replace(/\/[^/]+\.wav$/, '/AAAAAAAAAAAAAAAAAAAAAA.wav')}`);
    expect(forged.status).toBe(404);
    expect(((await forged.json()) as { code: string }).code).toBe('prompt.not_found');

    const [playback] = playbacksOn(ari, first.id);
    ari.finishPlayback(playback!.id);
    await waitFor(() => requestsTo(ari, 'POST', `/channels/${first.id}/moh`).length === 2, 'music again');

    const second = callerDials(ari, { channelId: `second-${did}`, did, callerNumber: '+5511987650102' });
    await waitFor(() => playsOn(second.id).length === 1, 'second announcement');
    expect(spokenText(playsOn(second.id)[0]!.query.media!)).toBe(
      'Você é o 2º da fila. Tempo estimado de espera: cerca de 6 minutos.',
    );
    ari.finishPlayback(playbacksOn(ari, second.id)[0]!.id);

    // Within 30 s nobody hears it again (the tick runs every second).
    await pause(2500);
    expect(playsOn(first.id)).toHaveLength(1);
    clock.advance(31_000);
    await waitFor(() => playsOn(first.id).length === 2, 'announcement after 30 s');
    expect(spokenText(playsOn(first.id)[1]!.query.media!)).toContain('Você é o próximo da fila.');
    await waitFor(() => playsOn(second.id).length === 2, 'second caller again');
    ari.hangupChannel(first.id);
    ari.hangupChannel(second.id);
  });

  it('abandons a caller who hangs up while waiting, counting one under 5 s apart', async () => {
    const { api, ari, admin, clock } = t;
    const manager = await connectSocket(api.baseUrl, { token: admin });
    const queue = await voiceQueue(api, admin, { name: `Abandono ${newDid()}` }, []);
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });

    const quick = callerDials(ari, { channelId: `quick-${did}`, did, callerNumber: '+5511987650103' });
    const quickCall = await callOfChannel(api, admin, quick.id);
    await waitFor(
      async () =>
        (await api.request('GET', `/api/calls/${quickCall.id}/routing`, { token: admin })).body.entries.length === 1,
      'enqueued',
    );
    ari.hangupChannel(quick.id);
    await waitFor(async () => (await callField(api, admin, quickCall.id, 'status')) === 'canceled', 'call canceled');
    await manager.waitFor((r) => r.some((e) => e.event === 'entry_abandoned' && e.data.call_id === quickCall.id));
    const short = (await api.request('GET', `/api/calls/${quickCall.id}/routing`, { token: admin })).body;
    expect(short.entries[0]).toMatchObject({ state: 'abandoned', end_reason: 'abandoned_short' });
    expect(short.entries[0].wait_seconds).toBeLessThan(5);
    expect(requestsTo(ari, 'DELETE', `/channels/${quick.id}/moh`)).toHaveLength(0);

    const patient = callerDials(ari, { channelId: `patient-${did}`, did, callerNumber: '+5511987650104' });
    const patientCall = await callOfChannel(api, admin, patient.id);
    await waitFor(
      async () =>
        (await api.request('GET', `/api/calls/${patientCall.id}/routing`, { token: admin })).body.entries.length === 1,
      'enqueued',
    );
    clock.advance(12_000);
    ari.hangupChannel(patient.id);
    await manager.waitFor((r) => r.some((e) => e.event === 'entry_abandoned' && e.data.call_id === patientCall.id));
    const long = (await api.request('GET', `/api/calls/${patientCall.id}/routing`, { token: admin })).body;
    expect(long.entries[0]).toMatchObject({ state: 'abandoned', end_reason: 'caller_hangup' });
    expect(long.entries[0].wait_seconds).toBeGreaterThanOrEqual(12);
    const abandoned = await api.request('GET', `/api/queues/${queue.id}/entries?state=abandoned`, { token: admin });
    expect(abandoned.body.items).toHaveLength(2);
    manager.socket.close();
  });
});
