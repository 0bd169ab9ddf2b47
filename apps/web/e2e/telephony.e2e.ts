/**
 * Monitoring and consult transfer in Chromium against a real Switchboard whose PBX is the
 * ARI emulator (the server suite's, exact Asterisk 22.10.1 wire formats): the test plays
 * the phones (a leg "answers" when it enters Stasis), the browser drives the console.
 * A supervisor listens to an agent's call from the board and switches to whisper (the
 * agent's console shows the coaching marker); an agent consults a colleague from the
 * softphone, swaps and transfers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { AriEmulator } from '../../server/test/support/ari-emulator';
import { openSession, screenshotPath, type Session } from './support/browser';
import { signIn } from './support/console';
import { createUser, startServer, type RunningServer } from './support/server';

const APP = 'switchboard';

describe('listen, whisper and consult from the console', () => {
  let ari: AriEmulator;
  let api: RunningServer;
  const sessions: Session[] = [];

  const originates = () =>
    ari.requests
      .filter((r) => r.method === 'POST' && r.path === '/ari/channels')
      .map((r) => ({ channelId: r.query.channelId ?? '', appArgs: (r.query.appArgs ?? '').split(',') }));

  const waitFor = async (predicate: () => boolean | Promise<boolean>, what: string, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** The leg Switchboard originated with these Stasis args answers. */
  const answer = async (intent: string, id: string) => {
    await waitFor(() => originates().some((o) => o.appArgs[0] === intent && o.appArgs[1] === id), `${intent} leg`);
    const leg = originates().find((o) => o.appArgs[0] === intent && o.appArgs[1] === id)!;
    ari.enterStasis(leg.channelId, leg.appArgs, { app: APP });
    return leg;
  };

  /** A click-to-call of `agent` that both sides answered. */
  const answeredCall = async (agent: { token: string }) => {
    const made = await api.request<{ id: string }>('POST', '/api/calls/make', {
      token: agent.token,
      body: { to: '+55 11 98765-4321' },
    });
    expect(made.status).toBe(201);
    const callId = made.body.id;
    await answer('outbound', callId);
    await answer('outbound-customer', callId);
    await waitFor(
      async () =>
        (await api.request<{ status: string }>('GET', `/api/calls/${callId}`, { token: agent.token })).body.status ===
        'in_progress',
      'the call to be answered',
    );
    return callId;
  };

  const console_ = async (user: { email: string; password: string }): Promise<Page> => {
    const session = await openSession({ baseUrl: api.baseUrl });
    sessions.push(session);
    await signIn(session.page, user.email, user.password);
    return session.page;
  };

  beforeAll(async () => {
    ari = await AriEmulator.start({ username: 'switchboard', password: 'ari-secret' });
    api = await startServer({
      ASTERISK_ARI_URL: ari.url,
      ASTERISK_ARI_USERNAME: 'switchboard',
      ASTERISK_ARI_PASSWORD: 'ari-secret',
    });
    await ari.waitForWebSockets(1, 20_000);
  });

  afterAll(async () => {
    for (const session of sessions) await session.close();
    await api?.close();
    await ari?.close();
  });

  it('a supervisor listens to an agent’s call, then whispers; the agent sees the coaching marker', async () => {
    const agent = await createUser(api, { role: 'agent', name: 'Ana Agente', device_template: 'sip' });
    const supervisor = await createUser(api, { role: 'supervisor', name: 'Sueli Supervisora' });
    const callId = await answeredCall(agent);
    const agentPage = await console_(agent);
    const page = await console_(supervisor);
    await page.goto('/#/supervisor');
    const row = page.locator(`[data-testid=board-call][data-call-id="${callId}"]`);
    await row.getByTestId('monitor-listen').click();

    // Switchboard rings the supervisor's own device; it answers by itself.
    const monitorId = (
      await api.request<{ items: { id: string }[] }>('GET', `/api/calls/${callId}/monitors`, {
        token: supervisor.token,
      })
    ).body.items[0]!.id;
    await answer('monitor', monitorId);
    await row.locator('[data-testid=monitor-mode][data-mode=listen][data-status=active]').waitFor();
    const snoops = () => ari.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/snoop'));
    await waitFor(() => snoops().length === 1, 'the listen snoop');
    expect(snoops()[0]!.query).toMatchObject({ spy: 'both', whisper: 'none' });
    // Listening is silent for the agent.
    expect(await agentPage.getByTestId('coaching-marker').count()).toBe(0);

    await row.getByTestId('monitor-whisper').click();
    await row.locator('[data-testid=monitor-mode][data-mode=whisper]').waitFor();
    await waitFor(() => snoops().length === 2, 'the whisper snoop');
    expect(snoops()[1]!.query).toMatchObject({ spy: 'both', whisper: 'out' });
    await agentPage.getByTestId('coaching-marker').waitFor();
    await page.screenshot({ path: screenshotPath('supervisor-whisper') });

    await row.getByTestId('monitor-stop').click();
    await row.getByTestId('monitor-mode').waitFor({ state: 'detached' });
    await agentPage.getByTestId('coaching-marker').waitFor({ state: 'detached' });
    const sessionsOfCall = await api.request<{ items: { modes: { mode: string }[]; status: string }[] }>(
      'GET',
      `/api/calls/${callId}/monitors`,
      { token: supervisor.token },
    );
    expect(sessionsOfCall.body.items[0]).toMatchObject({ status: 'ended' });
    expect(sessionsOfCall.body.items[0]!.modes.map((m) => m.mode)).toEqual(['listen', 'whisper']);
  });

  it('an agent consults a colleague from the softphone, swaps, and transfers the call', async () => {
    const agent = await createUser(api, { role: 'agent', name: 'Caio Agente', device_template: 'sip' });
    const colleague = await createUser(api, { role: 'agent', name: 'Bia Colega', device_template: 'sip' });
    const colleagueDevice = await api.request<{ extension: number }>('GET', '/api/users/me/device', {
      token: colleague.token,
    });
    const callId = await answeredCall(agent);
    const page = await console_(agent);
    await page.locator('.softphone-toggle').click();

    // A desk phone's call: hold through the API, the customer hears music.
    await page.getByTestId('api-hold').click();
    await page.locator('[data-testid=api-hold][aria-pressed=true]').waitFor();
    expect(ari.state.mohBridgeIds.has(callId)).toBe(true);
    await page.getByTestId('api-hold').click();
    await page.locator('[data-testid=api-hold][aria-pressed=false]').waitFor();
    expect(ari.state.mohBridgeIds.has(callId)).toBe(false);

    await page.getByTestId('consult-toggle').click();
    await page.getByTestId('consult-target').fill(String(colleagueDevice.body.extension));
    await page.getByTestId('consult-submit').click();
    await page.locator('[data-testid=consult-status][data-status=ringing]').waitFor();

    const consultId = (
      await api.request<{ items: { id: string }[] }>('GET', `/api/calls/${callId}/consults`, { token: agent.token })
    ).body.items[0]!.id;
    await answer('consult', consultId);
    await page.locator('[data-testid=consult-status][data-status=talking]').waitFor();

    await page.getByTestId('consult-swap').click();
    await page.locator('[data-testid=consult-status][data-status=customer]').waitFor();
    await page.getByTestId('consult-swap').click();
    await page.locator('[data-testid=consult-status][data-status=talking]').waitFor();
    await page.screenshot({ path: screenshotPath('softphone-consult') });

    await page.getByTestId('consult-complete').click();
    await page.getByTestId('consult-notice').waitFor();
    const call = await api.request<{ agent_id: string; status: string }>('GET', `/api/calls/${callId}`, {
      token: colleague.token,
    });
    expect(call.body).toMatchObject({ status: 'in_progress', agent_id: colleague.id });
    // The call left this agent: nothing left to consult on.
    await page.getByTestId('consult-toggle').waitFor({ state: 'detached' });
  });

  it('raised no errors in the pages', () => {
    const errors = sessions.flatMap((s) => s.errors).filter((error) => !/WebSocket|net::ERR_|sip/i.test(error));
    expect(errors).toEqual([]);
  });
});
