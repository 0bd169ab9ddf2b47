/**
 * Listen, whisper and barge over HTTP and Socket.IO against the ARI emulator: the
 * supervisor's device is rung with auto-answer, a Snoop channel on the agent's leg feeds
 * the monitor bridge (whisper toward the agent only), barge joins the call's bridge, and
 * every session is stored with its modes and written to the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentWithDevice,
  answeredOutboundCall,
  originates,
  requestsTo,
  startServerWithPbx,
  waitFor,
  type PbxTest,
} from '../support/pbx.js';
import { connectSocket } from '../support/socket.js';
import { createUserAndLogin } from '../support/server.js';

describe('monitoring calls: listen, whisper, barge', () => {
  let pbx: PbxTest;

  beforeAll(async () => {
    pbx = await startServerWithPbx({ SIGNUP_ENABLED: 'true' });
  });
  afterAll(async () => {
    await pbx.close();
  });

  const supervisor = async () => {
    const admin = await pbx.api.adminToken();
    const user = await createUserAndLogin(pbx.api, admin, { role: 'supervisor' });
    const device = (await pbx.api.request('GET', '/api/users/me/device', { token: user.token })).body;
    return { ...user, sipUsername: device.sip_username as string };
  };

  /** POST monitor, then the supervisor's softphone answers (auto-answer). */
  const startMonitor = async (token: string, callId: string, mode: string) => {
    const started = await pbx.api.request('POST', `/api/calls/${callId}/monitor`, { token, body: { mode } });
    expect(started.status).toBe(201);
    const monitorId = started.body.id as string;
    const leg = originates(pbx.ari).find((o) => o.appArgs[0] === 'monitor' && o.appArgs[1] === monitorId)!;
    pbx.ari.enterStasis(leg.channelId, leg.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await monitorOf(token, callId, monitorId))?.status === 'active', 'monitor active');
    // Set up on the PBX: the supervisor and (listen, whisper) a snoop in the monitor bridge.
    await waitFor(
      () => (pbx.ari.state.bridges.get(`${monitorId}-monitor`)?.channels.length ?? 0) === (mode === 'barge' ? 0 : 2),
      'monitor bridge ready',
    );
    return { monitorId, started, leg };
  };

  const monitorOf = async (token: string, callId: string, monitorId: string) =>
    ((await pbx.api.request('GET', `/api/calls/${callId}/monitors`, { token })).body.items as any[]).find(
      (m) => m.id === monitorId,
    );

  const snoopsOf = (agentChannelId: string) =>
    requestsTo(pbx.ari, 'POST', `/channels/${agentChannelId}/snoop`).map((r) => r.query);

  it('listens through a snoop, whispers toward the agent only, barges into the call bridge, and stops', async () => {
    const { api, ari } = pbx;
    const { agent, callId } = await answeredOutboundCall(pbx);
    const boss = await supervisor();
    const agentSocket = await connectSocket(api.baseUrl, { token: agent.token });
    const bossSocket = await connectSocket(api.baseUrl, { token: boss.token });

    const { monitorId, started, leg } = await startMonitor(boss.token, callId, 'listen');
    expect(started.body).toMatchObject({ call_id: callId, supervisor_id: boss.id, mode: 'listen', status: 'ringing' });
    expect(leg).toMatchObject({ endpoint: `PJSIP/${boss.sipUsername}`, channelId: `${monitorId}-supervisor` });
    const originate = ari.requests.find((r) => r.path === '/ari/channels' && r.query.channelId === leg.channelId)!;
    expect(JSON.parse(originate.body).variables).toEqual({ 'PJSIP_HEADER(add,Call-Info)': 'answer-after=0' });

    // Listen: the snoop hears both directions and says nothing; it joins the monitor bridge.
    await waitFor(() => snoopsOf(`${callId}-agent`).length === 1, 'snoop');
    expect(snoopsOf(`${callId}-agent`)[0]).toMatchObject({
      spy: 'both',
      whisper: 'none',
      app: 'switchboard',
      appArgs: `monitor-snoop,${monitorId}`,
    });
    const firstSnoop = snoopsOf(`${callId}-agent`)[0]!.snoopId!;
    await waitFor(
      () => ari.state.bridges.get(`${monitorId}-monitor`)?.channels.includes(firstSnoop) === true,
      'bridged',
    );
    expect(ari.state.bridges.get(`${monitorId}-monitor`)?.channels).toContain(leg.channelId);
    // The customer and agent stay alone in the call's bridge.
    expect(ari.state.bridges.get(callId)?.channels.sort()).toEqual([`${callId}-agent`, `${callId}-customer`].sort());

    // Whisper: a new snoop that speaks `out` (into what the agent's phone receives); the old one goes.
    const whisper = await api.request('PATCH', `/api/calls/${callId}/monitor`, {
      token: boss.token,
      body: { mode: 'whisper' },
    });
    expect(whisper.status).toBe(200);
    expect(whisper.body.mode).toBe('whisper');
    await waitFor(() => snoopsOf(`${callId}-agent`).length === 2, 'second snoop');
    expect(snoopsOf(`${callId}-agent`)[1]).toMatchObject({ spy: 'both', whisper: 'out' });
    expect(requestsTo(ari, 'DELETE', `/channels/${firstSnoop}`)).toHaveLength(1);
    const secondSnoop = snoopsOf(`${callId}-agent`)[1]!.snoopId!;
    await waitFor(
      () => ari.state.bridges.get(`${monitorId}-monitor`)?.channels.includes(secondSnoop) === true,
      'whisper snoop bridged',
    );
    // The agent is told, discreetly; listen had told them nothing.
    await agentSocket.waitFor((events) => events.some((e) => e.event === 'call_coaching_changed'));
    expect(agentSocket.received.find((e) => e.event === 'call_coaching_changed')?.data).toEqual({
      call_id: callId,
      is_coached: true,
      mode: 'whisper',
    });

    // Barge: no snoop; the supervisor leaves the monitor bridge for the call's bridge.
    const barge = await api.request('PATCH', `/api/calls/${callId}/monitor`, {
      token: boss.token,
      body: { mode: 'barge' },
    });
    expect(barge.status).toBe(200);
    expect(requestsTo(ari, 'DELETE', `/channels/${secondSnoop}`)).toHaveLength(1);
    expect(ari.state.bridges.get(callId)?.channels).toContain(leg.channelId);
    expect(ari.state.bridges.get(`${monitorId}-monitor`)?.channels).not.toContain(leg.channelId);
    expect(snoopsOf(`${callId}-agent`)).toHaveLength(2);

    // Back to listen: out of the call's bridge, a fresh snoop.
    await api.request('PATCH', `/api/calls/${callId}/monitor`, { token: boss.token, body: { mode: 'listen' } });
    expect(ari.state.bridges.get(callId)?.channels).not.toContain(leg.channelId);
    await waitFor(() => snoopsOf(`${callId}-agent`).length === 3, 'third snoop');
    expect(snoopsOf(`${callId}-agent`)[2]).toMatchObject({ whisper: 'none' });

    const stopped = await api.request('DELETE', `/api/calls/${callId}/monitor`, { token: boss.token });
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ status: 'ended', end_reason: 'stopped' });
    expect(stopped.body.modes.map((m: { mode: string }) => m.mode)).toEqual(['listen', 'whisper', 'barge', 'listen']);
    expect(stopped.body.modes.every((m: { to: string | null }) => m.to !== null)).toBe(true);
    expect(requestsTo(ari, 'DELETE', `/channels/${leg.channelId}`)).toHaveLength(1);
    expect(requestsTo(ari, 'DELETE', `/bridges/${monitorId}-monitor`)).toHaveLength(1);
    expect(ari.state.bridges.has(callId)).toBe(true);

    // Whisper → barge is still coaching; back to listen is not: two changes in all.
    await agentSocket.waitFor((events) => events.filter((e) => e.event === 'call_coaching_changed').length === 2);
    expect(
      agentSocket.received.filter((e) => e.event === 'call_coaching_changed').map((e) => e.data.is_coached),
    ).toEqual([true, false]);
    // The agent never sees the sessions themselves.
    expect(agentSocket.received.some((e) => e.event.startsWith('call_monitor'))).toBe(false);
    await bossSocket.waitFor((events) => events.some((e) => e.event === 'call_monitor_ended'));
    expect(
      bossSocket.received.filter((e) => e.event.startsWith('call_monitor')).map((e) => [e.event, e.data.mode]),
    ).toEqual([
      ['call_monitor_started', 'listen'],
      ['call_monitor_changed', 'listen'],
      ['call_monitor_changed', 'whisper'],
      ['call_monitor_changed', 'barge'],
      ['call_monitor_changed', 'listen'],
      ['call_monitor_ended', 'listen'],
    ]);

    // The audit log says who heard the call, in which modes.
    const audit = await api.request('GET', `/api/audit-log?target_id=${callId}`, { token: await api.adminToken() });
    expect(audit.status).toBe(200);
    const actions = (audit.body.items as any[])
      .filter((e) => e.target_id === callId)
      .map((e) => e.action)
      .reverse();
    expect(actions).toEqual(['call.listened', 'call.whispered', 'call.barged', 'call.listened']);
    agentSocket.socket.close();
    bossSocket.socket.close();
  });

  it('ends the session when the call ends, and when the supervisor hangs up their phone', async () => {
    const { api, ari } = pbx;
    const boss = await supervisor();
    const first = await answeredOutboundCall(pbx);
    const a = await startMonitor(boss.token, first.callId, 'whisper');
    ari.hangupChannel(first.customerLeg.channelId);
    await waitFor(async () => (await monitorOf(boss.token, first.callId, a.monitorId))?.status === 'ended', 'ended');
    expect(await monitorOf(boss.token, first.callId, a.monitorId)).toMatchObject({ end_reason: 'call_ended' });
    await waitFor(() => requestsTo(ari, 'DELETE', `/channels/${a.leg.channelId}`).length === 1, 'supervisor released');

    const second = await answeredOutboundCall(pbx);
    const b = await startMonitor(boss.token, second.callId, 'listen');
    ari.hangupChannel(b.leg.channelId);
    await waitFor(async () => (await monitorOf(boss.token, second.callId, b.monitorId))?.status === 'ended', 'ended');
    expect(await monitorOf(boss.token, second.callId, b.monitorId)).toMatchObject({ end_reason: 'supervisor_hangup' });
    expect((await api.request('GET', `/api/calls/${second.callId}`, { token: boss.token })).body.status).toBe(
      'in_progress',
    );
    // A new session after the last one ended is allowed.
    const again = await api.request('POST', `/api/calls/${second.callId}/monitor`, {
      token: boss.token,
      body: { mode: 'listen' },
    });
    expect(again.status).toBe(201);
  });

  it('ends a session whose supervisor leg vanished while the ARI WebSocket was down', async () => {
    const { api, ari } = pbx;
    const boss = await supervisor();
    const { agent, callId } = await answeredOutboundCall(pbx);
    const { monitorId, leg } = await startMonitor(boss.token, callId, 'listen');
    ari.setAcceptingWebSockets(false);
    ari.dropWebSockets();
    // The supervisor hangs up while nobody listens: the event is lost.
    ari.hangupChannel(leg.channelId);
    ari.setAcceptingWebSockets(true);
    await waitFor(
      async () => (await monitorOf(boss.token, callId, monitorId))?.status === 'ended',
      'reconciled',
      15_000,
    );
    expect(await monitorOf(boss.token, callId, monitorId)).toMatchObject({ end_reason: 'pbx_lost' });
    expect((await api.request('GET', `/api/calls/${callId}`, { token: agent.token })).body.status).toBe('in_progress');
    // The supervisor can listen again.
    const again = await api.request('POST', `/api/calls/${callId}/monitor`, {
      token: boss.token,
      body: { mode: 'listen' },
    });
    expect(again.status).toBe(201);
  });

  it('refuses agents, other companies, bad modes, unanswered calls and a second session', async () => {
    const { api } = pbx;
    const { agent, callId } = await answeredOutboundCall(pbx);
    const boss = await supervisor();
    const otherAgent = await agentWithDevice(api);

    const byAgent = await api.request('POST', `/api/calls/${callId}/monitor`, {
      token: agent.token,
      body: { mode: 'listen' },
    });
    expect(byAgent.status).toBe(403);
    expect(byAgent.headers.get('content-type')).toContain('application/problem+json');
    const byOtherAgent = await api.request('POST', `/api/calls/${callId}/monitor`, {
      token: otherAgent.token,
      body: { mode: 'listen' },
    });
    expect(byOtherAgent.status).toBe(404);
    const badMode = await api.request('POST', `/api/calls/${callId}/monitor`, {
      token: boss.token,
      body: { mode: 'spy' },
    });
    expect(badMode.status).toBe(400);
    const notOpen = await api.request('PATCH', `/api/calls/${callId}/monitor`, {
      token: boss.token,
      body: { mode: 'barge' },
    });
    expect(notOpen.status).toBe(404);
    expect(notOpen.body.code).toBe('monitor.not_found');

    const registered = await api.request('POST', '/api/users/register', {
      body: { company_name: 'Globex', name: 'Hank', email: 'hank@globex.test', password: 'globex-admin-password' },
    });
    expect(registered.status).toBe(201);
    const cross = await api.request('POST', `/api/calls/${callId}/monitor`, {
      token: registered.body.access_token,
      body: { mode: 'listen' },
    });
    expect(cross.status).toBe(404);

    const first = await api.request('POST', `/api/calls/${callId}/monitor`, {
      token: boss.token,
      body: { mode: 'listen' },
    });
    expect(first.status).toBe(201);
    const second = await api.request('POST', `/api/calls/${callId}/monitor`, {
      token: boss.token,
      body: { mode: 'whisper' },
    });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('monitor.already_open');
    expect((await api.request('GET', `/api/calls/${callId}/monitors`, { token: boss.token })).body.items).toHaveLength(
      1,
    );

    const ringing = (await api.request('POST', '/api/calls/make', { token: otherAgent.token, body: { to: '1234567' } }))
      .body.id;
    const unanswered = await api.request('POST', `/api/calls/${ringing}/monitor`, {
      token: boss.token,
      body: { mode: 'listen' },
    });
    expect(unanswered.status).toBe(409);
    expect(unanswered.body.code).toBe('call.not_answered');
  });
});
