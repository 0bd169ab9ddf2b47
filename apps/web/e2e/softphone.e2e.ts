/**
 * The softphone's UI wiring in a real browser: JsSIP registers over WebSocket with the
 * credentials Switchboard gives the agent (SIP_WSS_URL points at a small SIP responder
 * written for this test), and calls carry real WebRTC audio between the console and a
 * second page standing in for the caller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openSession, screenshotPath, type Session } from './support/browser';
import { signIn } from './support/console';
import { createUser, startServer, type RunningServer } from './support/server';
import { startSipResponder, type SipMessage, type SipResponder } from './support/sip-responder';
import { remoteAudioLevel, webrtcPeer } from './support/webrtc-peer';

const cseqOf = (message: SipMessage) => message.header('CSeq') ?? '';

describe('the softphone against a SIP peer', () => {
  const credentials = { username: '', password: '' };
  let responder: SipResponder;
  let api: RunningServer;
  let session: Session;
  let page: Page;
  let peer: ReturnType<typeof webrtcPeer>;
  let agentId = '';
  let agentToken = '';

  const phase = (value: string) => page.locator(`[data-testid=call-panel][data-phase=${value}]`);
  const sipState = (value: string) => page.locator(`[data-testid=sip-status][data-state=${value}]`);

  beforeAll(async () => {
    responder = await startSipResponder(credentials);
    api = await startServer({ SIP_WSS_URL: responder.url, SIP_DOMAIN: responder.domain });
    const agent = await createUser(api, { role: 'agent', name: 'Caio Agente', device_template: 'webrtc' });
    agentId = agent.id;
    agentToken = agent.token;
    const device = await api.request<{ sip_username: string; sip_password: string }>('GET', '/api/users/me/device', {
      token: agent.token,
    });
    credentials.username = device.body.sip_username;
    credentials.password = device.body.sip_password;

    session = await openSession({ baseUrl: api.baseUrl });
    page = session.page;
    await signIn(page, agent.email, agent.password);
    // The caller: another page of the same browser, on a secure (loopback) origin.
    const callerPage = await session.context.newPage();
    await callerPage.goto('/health');
    peer = webrtcPeer(callerPage);
    // A background tab gets no animation frames: keep the console in front.
    await page.bringToFront();
  });

  afterAll(async () => {
    await session?.close();
    await api?.close();
    await responder?.close();
  });

  it('registers with the device credentials, answering the digest challenge', async () => {
    await sipState('registered').waitFor({ timeout: 20_000 });
    const [challenged, authorized] = responder.registers;
    expect(challenged?.header('Authorization')).toBeUndefined();
    expect(authorized?.header('Authorization')).toContain(`username="${credentials.username}"`);
    expect(authorized?.header('From')).toContain(`sip:${credentials.username}@127.0.0.1`);
    expect(await page.getByTestId('softphone').textContent()).toMatch(/Phone · \d+/);
  });

  it('rings, answers, times the call and plays the caller’s audio', async () => {
    const dialog = await responder.invite({ from: '5511987654321', displayName: 'Maria Souza', peer });
    await phase('ringing').waitFor();
    expect(await page.getByTestId('call-party').textContent()).toBe('Maria Souza (5511987654321)');
    await dialog.waitFor((m) => m.status === 180);

    await page.getByTestId('answer').click();
    expect((await dialog.final).status).toBe(200);
    await phase('active').waitFor();
    await page.locator('[data-testid=call-timer]', { hasText: /0:0[1-9]/ }).waitFor();

    const audio = await remoteAudioLevel(page);
    expect(audio.isLive).toBe(true);
    expect(audio.level).toBeGreaterThan(0.001);
    await page.screenshot({ path: screenshotPath('softphone-in-call') });

    // Mute is local (the microphone track); hold and resume are re-INVITEs.
    await page.getByTestId('mute').click();
    await page.locator('[data-testid=mute][aria-pressed=true]').waitFor();
    await page.getByTestId('mute').click();
    await page.getByTestId('hold').click();
    await dialog.waitFor((m) => m.method === 'INVITE' && /a=sendonly/.test(m.body));
    await page.locator('[data-testid=hold][aria-pressed=true]').waitFor();
    await page.getByTestId('hold').click();
    await dialog.waitFor((m) => m.method === 'INVITE' && /a=sendrecv/.test(m.body) && !/^1 /.test(cseqOf(m)));
    await page.locator('[data-testid=hold][aria-pressed=false]').waitFor();

    // DTMF as RFC 4733 events: the UI lists the tones the sender really played.
    await page.getByTestId('keypad-toggle').click();
    for (const key of ['1', '2', '3', 'hash']) await page.getByTestId(`dtmf-${key}`).click();
    await page.locator('[data-testid=dtmf-sent]', { hasText: '123#' }).waitFor();

    // Blind transfer by REFER; once the transferee reports success our leg hangs up.
    await page.getByTestId('transfer-toggle').click();
    await page.getByTestId('transfer-target').fill('1002');
    await page.getByTestId('transfer-submit').click();
    const refer = await dialog.waitFor((m) => m.method === 'REFER');
    expect(refer.header('Refer-To')).toContain('sip:1002@127.0.0.1');
    await dialog.waitFor((m) => m.method === 'BYE');
    await page.getByTestId('call-panel').waitFor({ state: 'detached' });
    expect(await page.getByTestId('last-call').textContent()).toContain('5511987654321');
  });

  it('ends the call when the other side hangs up', async () => {
    const dialog = await responder.invite({ from: '1002', peer });
    await page.getByTestId('answer').click();
    await dialog.final;
    await phase('active').waitFor();
    await dialog.bye();
    await page.getByTestId('call-panel').waitFor({ state: 'detached' });
    expect(await page.getByTestId('last-call').textContent()).toContain('the other side hung up');
  });

  it('rejects a call with Busy Here', async () => {
    const dialog = await responder.invite({ from: '1003', peer });
    await phase('ringing').waitFor();
    await page.getByTestId('reject').click();
    expect((await dialog.final).status).toBe(486);
    await page.getByTestId('call-panel').waitFor({ state: 'detached' });
  });

  it('answers by itself a call taken in the console (Call-Info: answer-after=0), and hangs up', async () => {
    const dialog = await responder.invite({ from: '1004', callInfo: 'answer-after=0', peer });
    expect((await dialog.final).status).toBe(200);
    await phase('active').waitFor();
    await page.getByTestId('hangup').click();
    await dialog.waitFor((m) => m.method === 'BYE');
    await page.getByTestId('call-panel').waitFor({ state: 'detached' });
  });

  it('registers again after the network drops', async () => {
    const before = responder.registrations;
    responder.dropConnections();
    await sipState('reconnecting').waitFor();
    await responder.waitForRegistration(before + 1, 30_000);
    await sipState('registered').waitFor();
  });

  it('registers with the new password after the device password is rotated', async () => {
    const rotated = await api.request<{ sip_password: string }>(
      'POST',
      `/api/users/${agentId}/device/rotate-password`,
      {
        token: agentToken,
      },
    );
    expect(rotated.status).toBe(200);
    credentials.password = rotated.body.sip_password;
    const before = responder.registrations;
    // The old registration ends (Asterisk drops it); JsSIP's next REGISTER is refused…
    responder.dropConnections();
    await responder.waitForRegistration(before + 1, 30_000);
    // …and the console fetched the new credentials by itself.
    expect(responder.log.some((line) => line.includes('403 Forbidden'))).toBe(true);
    await sipState('registered').waitFor();
  });

  it('raised no errors in the page', () => {
    expect(session.errors.filter((error) => !/WebSocket|net::ERR_/.test(error))).toEqual([]);
  });
});
