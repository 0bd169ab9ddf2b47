/**
 * The intercom when the visitor's side goes quiet or away: a phone with silence
 * suppression that stops sending frames mid-word, and POST /api/hangup while the bot
 * speaks or listens. Real AudioSocket connections on 127.0.0.1, short timings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMPTS } from '../../src/modules/voicebot/intercom/prompts.js';
import { AudiosocketPeer, rawFrame, sleep, waitUntil } from '../support/audiosocket-peer.js';
import {
  INTERCOM_API_KEY,
  startIntercomHarness,
  ToneTts,
  voicePcm,
  type IntercomHarness,
} from '../support/intercom-harness.js';

/**
 * An Asterisk-like line: after the UUID a 20 ms frame every 20 ms, on absolute deadlines.
 * With `suppressSilence` (a phone or gateway doing silence suppression) it sends frames
 * only while there is speech, after a few quiet ones (the session and the detector's noise
 * floor need them). With `onHangupFrame: 'ignore'` it is slow to hang up after `00 00 00`,
 * as a busy Asterisk can be: the server closes the socket after its grace time.
 */
class LinePeer {
  private readonly queue: Buffer[] = [];
  private readonly startedAt = performance.now();
  private sent = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly peer: AudiosocketPeer,
    private readonly suppressSilence: boolean,
  ) {
    for (let i = 0; i < 15; i += 1) this.queue.push(Buffer.alloc(320));
    this.tick();
    void peer.closed.then(() => clearTimeout(this.timer));
  }

  static async connect(
    port: number,
    uuid: string,
    options: { suppressSilence: boolean; onHangupFrame?: 'close' | 'ignore' },
  ): Promise<LinePeer> {
    const peer = await AudiosocketPeer.connect({ port, onHangupFrame: options.onHangupFrame ?? 'close' });
    peer.sendUuid(uuid);
    return new LinePeer(peer, options.suppressSilence);
  }

  /** Queues `ms` of speech; with silence suppression nothing follows it: the word is cut. */
  speak(ms: number): void {
    const pcm = voicePcm(ms);
    for (let at = 0; at < pcm.length; at += 320) {
      const frame = Buffer.alloc(320);
      pcm.copy(frame, 0, at, Math.min(pcm.length, at + 320));
      this.queue.push(frame);
    }
  }

  get isQuiet(): boolean {
    return this.queue.length === 0;
  }

  get heardFrames(): number {
    return this.peer.audioFrames.filter((frame) => frame.payload.some((byte) => byte !== 0)).length;
  }

  private readonly tick = (): void => {
    if (this.peer.isClosed) return;
    const frame = this.queue.shift();
    if (frame || !this.suppressSilence) this.peer.send(rawFrame(0x10, frame ?? Buffer.alloc(320)));
    this.sent += 1;
    this.timer = setTimeout(this.tick, Math.max(0, this.startedAt + this.sent * 20 - performance.now()));
  };
}

describe('intercom: audio that stops, and hangups from the API', () => {
  let h: IntercomHarness;
  let intercomUuid: string;
  // A long greeting: time to hang up while the bot is still speaking.
  const tts = new ToneTts((text) => (text === PROMPTS.greeting ? 3000 : 80));

  beforeAll(async () => {
    h = await startIntercomHarness({ tts, timings: { listenTimeoutMs: 1000, vadHangoverMs: 300 } });
    const token = h.adminToken;
    const unit = await h.api.request('POST', '/api/voicebot/units', { token, body: { number: '101' } });
    await h.api.request('POST', '/api/voicebot/residents', {
      token,
      body: { unit_id: unit.body.id, name: 'Maria da Silva', sip_extension: '1001' },
    });
    intercomUuid = (await h.api.request('GET', '/api/voicebot/settings', { token })).body.intercom_uuid;
  });
  afterAll(async () => {
    await h?.close();
  });

  /** This call's bot started saying `text` (other calls' lines do not count). */
  const botSaid = (callId: string, text: string) =>
    waitUntil(
      () =>
        h.logs.some(
          (line) =>
            line.msg === 'intercom transcript' && line.callId === callId && line.who === 'bot' && line.text === text,
        ),
      10_000,
      `the bot to say "${text}"`,
    );

  const hangUpVisitor = async (callId: string) => {
    const response = await fetch(`${h.mediaApiUrl}/api/hangup`, {
      method: 'POST',
      headers: { 'x-api-key': INTERCOM_API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ call_id: callId, role: 'visitor' }),
    });
    expect(response.status).toBe(200);
  };

  // Asterisk takes a moment to close the socket after `00 00 00`: the peer here never does,
  // and the server closes it after its grace time. The bot learns of the hangup first from
  // its prompt being cut, and must still record it as the hangup it is.
  for (const [phase, reach] of [
    ['speaks', (visitor: LinePeer) => waitUntil(() => visitor.heardFrames > 10, 5000, 'the greeting to play')],
    [
      'listens',
      async (_visitor: LinePeer, callId: string) => {
        await botSaid(callId, PROMPTS.askDestinationDtmf);
        // The question is an 80 ms tone: well past it, the bot is listening.
        await sleep(300);
      },
    ],
  ] as const) {
    it(`records POST /api/hangup while the bot ${phase} as a hangup (abandoned, hangup_requested)`, async () => {
      const visitor = await LinePeer.connect(h.dialer.port, intercomUuid, {
        suppressSilence: false,
        onHangupFrame: 'ignore',
      });
      const callId = await h.callIdOf(intercomUuid);
      await reach(visitor, callId);
      await hangUpVisitor(callId);
      await visitor.peer.closed;
      expect(visitor.peer.sawHangupFrame).toBe(true);
      const call = await h.endedCall(callId);
      expect(call).toMatchObject({ outcome: 'abandoned', end_reason: 'hangup_requested' });
    });
  }

  it('takes the name the visitor was saying when the line went silent mid-word, and rings the unit', async () => {
    const visitor = await LinePeer.connect(h.dialer.port, intercomUuid, { suppressSilence: true });
    const callId = await h.callIdOf(intercomUuid);
    await botSaid(callId, PROMPTS.askDestinationDtmf);
    for (const digit of '101#') visitor.peer.sendDtmf(digit);
    await botSaid(callId, '(sinal)');
    await sleep(150);
    // Half a second of voice, then no frame at all: no silent frames will end the word.
    visitor.speak(500);

    const resident = await h.dialer.nextResident(10_000);
    expect(h.dialer.requests.at(-1)).toMatchObject({ residentName: 'Maria da Silva' });
    await resident.close();
    await visitor.peer.closed;
    const call = await h.endedCall(callId);
    expect(call.transcript).toContainEqual(expect.objectContaining({ who: 'visitor', kind: 'recording' }));
    expect(call.end_reason).not.toBe('max_duration');
  });

  it('ends the question when the line goes silent on a sound too short to be a word', async () => {
    const visitor = await LinePeer.connect(h.dialer.port, intercomUuid, { suppressSilence: true });
    const callId = await h.callIdOf(intercomUuid);
    await botSaid(callId, PROMPTS.askDestinationDtmf);
    await sleep(150);
    // 80 ms: speech starts (60 ms in) but is too short to keep, and then nothing comes.
    visitor.speak(80);
    await visitor.peer.closed;
    const call = await h.endedCall(callId);
    expect(call).toMatchObject({ outcome: 'abandoned', end_reason: 'visitor_silent' });
  });
});
