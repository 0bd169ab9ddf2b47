/**
 * The console's JsSIP softphone on a real Asterisk: an agent whose `webrtc` device the API
 * created signs in to the built console in Debian's Chromium (fake microphone), which
 * registers over WSS with the kit's transport and the harness's self-signed certificate.
 * Click-to-call from the console's dial pad goes through the API: Asterisk rings the
 * browser, which answers by itself as the console does for its own click-to-call, then
 * dials the carrier, a SIPp that sends back every RTP packet it gets. So the audio the
 * console plays is its own microphone after a round trip browser → Asterisk → carrier →
 * Asterisk → browser (DTLS-SRTP on the browser's side, G.711 on the trunk's), and the
 * call's recording, made in Asterisk's bridge, holds it as well.
 *
 * No network namespace: the kit's transports are bound to 127.0.0.1, and the address
 * Asterisk sends the browser's media to is checked to be 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createUserAndLogin } from '../support/server.js';
import { connectSocket } from '../support/socket.js';
import {
  audioStats,
  channels,
  CUSTOMER_E164,
  CUSTOMER_NUMBER,
  eventsOf,
  sipMessages,
  waitForCall,
} from './support/calls.js';
import { consoleBrowser, consoleSkipReason, type ConsoleBrowser, type ConsoleSession } from './support/console.js';
import { startPbxHarness, transitionsOf, type PbxHarness } from './support/harness.js';
import { waitUntil } from './support/processes.js';
import { Sipp } from './support/sipp.js';

const skipReason = inject('pbxSkipReason') || consoleSkipReason();
if (!inject('pbxSkipReason') && skipReason) console.warn(`PBX softphone scenario skipped: ${skipReason}.`);

describe.skipIf(skipReason)('the console softphone over WSS on a real Asterisk', () => {
  let pbx: PbxHarness;
  let browser: ConsoleBrowser;
  let session: ConsoleSession | undefined;
  let agent: Awaited<ReturnType<typeof createUserAndLogin>>;
  let sipUsername = '';

  beforeAll(async () => {
    pbx = await startPbxHarness({ console: true });
    browser = await consoleBrowser();
    agent = await createUserAndLogin(pbx.api, await pbx.api.adminToken(), {
      name: 'Bia Atendente',
      device_template: 'webrtc',
    });
    const device = await pbx.api.request('GET', '/api/users/me/device', { token: agent.token });
    expect(device.body.wss_url).toBe(`wss://127.0.0.1:${pbx.asterisk.settings.ports.https}/ws`);
    sipUsername = device.body.sip_username;
    session = await browser.open(pbx.api.baseUrl);
  });
  afterAll(async () => {
    await session?.close();
    await pbx?.close();
  });

  it('registers over WSS with the device the API created', async () => {
    const page = session!.page;
    await browser.signIn(page, agent.email, agent.password);
    await page.locator('[data-testid=sip-status][data-state=registered]').waitFor({ timeout: 30_000 });
    // Asterisk holds the browser's contact, over the WebSocket transport, as a row (realtime
    // stores `;` as `^3B`).
    const { rows } = await pbx.sql.query<{ uri: string }>('select uri from ps_contacts where endpoint = $1', [
      sipUsername,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.uri).toMatch(/^sip:[^@]+@127\.0\.0\.1:\d+(;|\^3B)transport=ws\b/);
  });

  it('click-to-call: rings the softphone, which answers; audio goes round trip through the carrier; the console hangs up', async () => {
    const page = session!.page;
    const carrier = await Sipp.start({ scenario: 'answer-echo', port: pbx.carrierUasPort, rtpEcho: true });
    const socket = await connectSocket(pbx.api.baseUrl, { token: agent.token });

    await page.getByTestId('dial-number').fill(CUSTOMER_NUMBER);
    await page.getByTestId('dial-call').click();
    await page.locator('[data-testid=call-panel][data-phase=active]').waitFor({ timeout: 30_000 });
    await socket.waitFor((events) => events.some((event) => event.event === 'call_answered'), 30_000);
    const callId = socket.received.find((event) => event.event === 'call_answered')!.data.call_id as string;
    const call = await waitForCall(pbx, agent.token, callId, 'in_progress');
    expect(call).toMatchObject({ direction: 'outbound', to_number: `+${CUSTOMER_E164}`, agent_id: agent.id });
    await page.locator('[data-testid=call-timer]', { hasText: /0:0[2-9]/ }).waitFor({ timeout: 15_000 });

    // The console plays its own microphone, back from the carrier.
    const heard = await browser.remoteAudioLevel(page, 3_000);
    expect(heard.isLive).toBe(true);
    expect(heard.level).toBeGreaterThan(0.001);
    // Asterisk's side of the browser's leg: G.711 (no transcoding), media to and from 127.0.0.1.
    const legs = (await pbx.asterisk.ari('GET', '/ari/channels')).body as { id: string; name: string }[];
    const leg = legs.find((channel) => channel.name.startsWith(`PJSIP/${sipUsername}-`));
    expect(leg, JSON.stringify(legs)).toBeDefined();
    const variable = async (name: string) =>
      (await pbx.asterisk.ari('GET', `/ari/channels/${leg!.id}/variable?variable=${encodeURIComponent(name)}`)).body
        ?.value as string;
    expect(await variable('CHANNEL(rtp,dest)')).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await variable('CHANNEL(audionativeformat)')).toMatch(/^\(?(ulaw|alaw)\)?$/);
    await page.screenshot({ path: browser.screenshotPath('pbx-softphone-in-call') });

    await page.getByTestId('hangup').click();
    await page.getByTestId('call-panel').waitFor({ state: 'detached', timeout: 15_000 });
    const ended = await waitForCall(pbx, agent.token, callId, 'completed');
    expect(ended).toMatchObject({ ended_by: 'agent', has_recording: true });
    const carrierSide = await carrier.succeeded();
    expect(sipMessages(carrierSide.messages, /^INVITE sip:/)[0]).toMatch(
      new RegExp(`^INVITE sip:${CUSTOMER_E164}@127\\.0\\.0\\.1`),
    );
    expect(await transitionsOf(pbx.sql, callId)).toEqual([
      '-→initiated (api:make)',
      'initiated→ringing (pbx:ringing)',
      'ringing→in_progress (pbx:outbound-customer)',
      'in_progress→completed (pbx:agent_hangup)',
    ]);
    await socket.waitFor((events) => eventsOf(events, callId).includes('call_ended'));
    expect(eventsOf(socket.received, callId)).toEqual([
      'call_initiated',
      'call_ringing',
      'call_answered',
      'call_ended',
    ]);
    socket.socket.close();

    // The bridge recording holds the browser's microphone (twice: sent, and echoed).
    await waitUntil(
      async () =>
        (await pbx.api.request('GET', `/api/calls/${callId}/recording`, { token: agent.token })).status === 200,
      15_000,
      'the recording to be served',
    );
    const recording = await fetch(`${pbx.api.baseUrl}/api/calls/${callId}/recording`, {
      headers: { authorization: `Bearer ${agent.token}` },
    });
    const stats = audioStats(Buffer.from(await recording.arrayBuffer()));
    expect(stats.seconds).toBeGreaterThan(2);
    expect(stats.rms).toBeGreaterThan(0.001);
    await waitUntil(() => channels(pbx).length === 0, 10_000, 'no channel left');
  });

  it('raised no errors in the console', () => {
    expect(session!.errors.filter((error) => !/WebSocket|net::ERR_/.test(error))).toEqual([]);
  });
});
