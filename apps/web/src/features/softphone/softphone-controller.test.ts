import { describe, expect, it, vi } from 'vitest';
import type { DeviceCredentials } from '@switchboard/contracts';
import type { NewSessionEvent, SipSession, SipUserAgent, UserAgentConfig } from './sip-ports';
import { SoftphoneController, type SoftphoneDeps } from './softphone-controller';
import { canPlaceCalls } from './softphone-machine';

type Listener = (payload?: unknown) => void;

class Emitter {
  private listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }
  emit(event: string, payload?: unknown) {
    for (const listener of this.listeners.get(event) ?? []) listener(payload);
  }
}

class FakeSession extends Emitter {
  answered: unknown[] = [];
  terminated: unknown[] = [];
  muted = false;
  held = false;
  dtmf: unknown[] = [];
  refers: { target: string; handlers: Record<string, Listener> }[] = [];
  connection = null;
  constructor(
    readonly id: string,
    readonly remote_identity: SipSession['remote_identity'],
  ) {
    super();
  }
  answer(options: unknown) {
    this.answered.push(options);
  }
  terminate(options?: unknown) {
    this.terminated.push(options ?? {});
  }
  mute() {
    this.muted = true;
    this.emit('muted', { audio: true });
  }
  unmute() {
    this.muted = false;
    this.emit('unmuted', { audio: true });
  }
  isMuted() {
    return { audio: this.muted };
  }
  hold() {
    this.held = true;
    this.emit('hold', { originator: 'local' });
    return true;
  }
  unhold() {
    this.held = false;
    this.emit('unhold', { originator: 'local' });
    return true;
  }
  isOnHold() {
    return { local: this.held, remote: false };
  }
  sendDTMF(tone: string, options: unknown) {
    this.dtmf.push([tone, options]);
  }
  refer(target: string, options?: { eventHandlers?: Record<string, Listener> }) {
    this.refers.push({ target, handlers: options?.eventHandlers ?? {} });
  }
}

class FakeUserAgent extends Emitter {
  started = 0;
  stopped = 0;
  isConnectedValue = false;
  constructor(readonly config: UserAgentConfig) {
    super();
  }
  start() {
    this.started += 1;
  }
  stop() {
    this.stopped += 1;
  }
  isConnected() {
    return this.isConnectedValue;
  }
  isRegistered() {
    return false;
  }
  /** The remote side sends an INVITE. */
  invite(id: string, user: string, options: { callInfo?: string; name?: string } = {}): FakeSession {
    const session = new FakeSession(id, { display_name: options.name ?? null, uri: { user } });
    const event: NewSessionEvent = {
      originator: 'remote',
      session: session as unknown as SipSession,
      request: { getHeader: (name) => (name === 'Call-Info' ? options.callInfo : undefined) },
    };
    this.emit('newRTCSession', event);
    return session;
  }
}

const CREDENTIALS: DeviceCredentials = {
  extension: 1001,
  template: 'webrtc',
  sip_uri: 'sip:acme_1001@pbx.acme.test',
  sip_username: 'acme_1001',
  sip_password: 'secret-password-1',
  sip_domain: 'pbx.acme.test',
  wss_url: 'wss://pbx.acme.test:8089/ws',
  ice_servers: [],
  ice_expires_at: null,
  pbx: 'up',
};

async function setup(overrides: Partial<SoftphoneDeps> = {}) {
  const agents: FakeUserAgent[] = [];
  let now = 1_000;
  const network = new EventTarget();
  const deps: SoftphoneDeps = {
    createUserAgent: (config) => {
      const ua = new FakeUserAgent(config);
      agents.push(ua);
      return ua as unknown as SipUserAgent;
    },
    loadDevice: vi.fn(async () => CREDENTIALS),
    makeCall: vi.fn(async () => undefined),
    transferCall: vi.fn(async () => undefined),
    displayName: 'Ana',
    now: () => now,
    network,
    ...overrides,
  };
  const controller = new SoftphoneController(deps);
  await controller.start();
  const ua = () => agents[agents.length - 1]!;
  const register = () => {
    ua().emit('connecting');
    ua().emit('connected');
    ua().isConnectedValue = true;
    ua().emit('registered');
  };
  return {
    controller,
    deps,
    agents,
    ua,
    register,
    network,
    tick: (ms: number) => {
      now += ms;
    },
  };
}

describe('SoftphoneController', () => {
  it('registers with the device credentials from the API', async () => {
    const { controller, ua, register } = await setup();
    expect(ua().config).toEqual({
      wssUrl: 'wss://pbx.acme.test:8089/ws',
      uri: 'sip:acme_1001@pbx.acme.test',
      username: 'acme_1001',
      password: 'secret-password-1',
      displayName: 'Ana',
    });
    expect(ua().started).toBe(1);
    expect(controller.getState().registration).toBe('connecting');
    register();
    expect(controller.getState()).toMatchObject({ registration: 'registered', extension: 1001 });
  });

  it('reports a user without a device, or with a non-WebRTC one, and starts no SIP stack', async () => {
    const none = await setup({ loadDevice: async () => null });
    expect(none.controller.getState()).toMatchObject({ registration: 'no_device', error: 'no_device' });
    expect(none.agents).toHaveLength(0);
    const desk = await setup({ loadDevice: async () => ({ ...CREDENTIALS, template: 'sip', wss_url: null }) });
    expect(desk.controller.getState()).toMatchObject({ registration: 'no_device', error: 'not_webrtc' });
  });

  it('rings an incoming call and answers it with audio only when asked', async () => {
    const { controller, ua, register } = await setup();
    register();
    const session = ua().invite('call-1', '5511987654321', { name: 'Maria' });
    expect(controller.getState().call).toMatchObject({ phase: 'ringing', number: '5511987654321', name: 'Maria' });
    expect(session.answered).toHaveLength(0);

    controller.answer();
    expect(session.answered).toEqual([
      { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } },
    ]);
    session.emit('confirmed');
    expect(controller.getState().call?.phase).toBe('active');
  });

  it('answers with the STUN/TURN servers of the device and fetches fresh TURN credentials before they expire', async () => {
    vi.useFakeTimers();
    try {
      const expiresIn = 60 * 60_000;
      const withTurn = (username: string): DeviceCredentials => ({
        ...CREDENTIALS,
        ice_servers: [
          { urls: ['stun:stun.acme.test:3478'] },
          { urls: ['turns:turn.acme.test:5349'], username, credential: `cred-${username}` },
        ],
        ice_expires_at: new Date(Date.now() + expiresIn).toISOString(),
      });
      const loadDevice = vi.fn(async () => withTurn('1:first'));
      const { controller, ua, register, agents } = await setup({ loadDevice });
      register();
      const first = ua().invite('call-1', '200');
      controller.answer();
      expect(first.answered).toEqual([
        {
          mediaConstraints: { audio: true, video: false },
          pcConfig: {
            iceServers: [
              { urls: ['stun:stun.acme.test:3478'] },
              { urls: ['turns:turn.acme.test:5349'], username: '1:first', credential: 'cred-1:first' },
            ],
          },
        },
      ]);
      first.emit('ended', { originator: 'remote', cause: 'Terminated' });

      loadDevice.mockImplementation(async () => withTurn('2:second'));
      await vi.advanceTimersByTimeAsync(expiresIn - 10 * 60_000);
      expect(loadDevice).toHaveBeenCalledTimes(2);
      expect(agents).toHaveLength(1); // same SIP credentials: no new registration
      const second = ua().invite('call-2', '200');
      controller.answer();
      expect(second.answered).toMatchObject([
        { pcConfig: { iceServers: [{}, { username: '2:second', credential: 'cred-2:second' }] } },
      ]);
      controller.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects a ringing call with 486 Busy Here', async () => {
    const { controller, ua, register } = await setup();
    register();
    const session = ua().invite('call-1', '200');
    controller.reject();
    expect(session.terminated).toEqual([{ status_code: 486, reason_phrase: 'Busy Here' }]);
    session.emit('failed', { originator: 'local', cause: 'Rejected' });
    expect(controller.getState()).toMatchObject({ call: null, lastCall: { cause: 'rejected' } });
  });

  it('answers by itself an INVITE carrying Call-Info answer-after=0', async () => {
    const { controller, ua, register } = await setup();
    register();
    const session = ua().invite('call-1', '200', { callInfo: 'answer-after=0' });
    expect(session.answered).toHaveLength(1);
    expect(controller.getState().call).toMatchObject({ phase: 'answering', isAutoAnswer: true });
  });

  it('places a click-to-call through the API and answers its ring by itself', async () => {
    const { controller, deps, ua, register } = await setup();
    register();
    await controller.dial('+55 11 98765-4321');
    expect(vi.mocked(deps.makeCall)).toHaveBeenCalledWith('+55 11 98765-4321');
    expect(controller.getState().pendingDial?.number).toBe('+55 11 98765-4321');

    const session = ua().invite('leg-1', '5511987654321');
    expect(session.answered).toHaveLength(1);
    expect(controller.getState().call).toMatchObject({ direction: 'outbound', phase: 'answering' });
  });

  it('keeps the API refusal of a click-to-call for the UI', async () => {
    const { controller } = await setup({
      makeCall: async () => {
        throw Object.assign(new Error('The PBX is not connected'), { code: 'pbx.unavailable' });
      },
    });
    await expect(controller.dial('1002')).rejects.toThrow();
    expect(controller.getState()).toMatchObject({ error: 'pbx.unavailable', pendingDial: null });
  });

  it('answers a second call with busy and keeps the first', async () => {
    const { controller, ua, register } = await setup();
    register();
    ua().invite('call-1', '200');
    const second = ua().invite('call-2', '300', { callInfo: 'answer-after=0' });
    expect(second.terminated).toEqual([{ status_code: 486, reason_phrase: 'Busy Here' }]);
    expect(second.answered).toHaveLength(0);
    expect(controller.getState().call?.sessionId).toBe('call-1');
  });

  it('mutes, holds, sends RFC 4733 tones and hangs up an active call', async () => {
    const { controller, ua, register } = await setup();
    register();
    const session = ua().invite('call-1', '200');
    controller.answer();
    session.emit('confirmed');

    controller.toggleMute();
    controller.toggleHold();
    expect(controller.getState().call).toMatchObject({ isMuted: true, isOnHold: true });
    controller.toggleMute();
    controller.toggleHold();
    expect(controller.getState().call).toMatchObject({ isMuted: false, isOnHold: false });

    controller.sendDtmf('5');
    controller.sendDtmf('x');
    expect(session.dtmf).toEqual([['5', { transportType: 'RFC2833', duration: 160 }]]);

    controller.hangup();
    expect(session.terminated).toHaveLength(1);
    session.emit('ended', { originator: 'local', cause: 'Terminated' });
    expect(controller.getState()).toMatchObject({ call: null, lastCall: { cause: 'local_hangup' } });
  });

  it('falls back to SIP INFO when no DTMF sender is available', async () => {
    const { controller, ua, register } = await setup();
    register();
    const session = ua().invite('call-1', '200');
    controller.answer();
    session.emit('confirmed');
    session.sendDTMF = function (tone: string, options: { transportType?: string }) {
      if (options.transportType === 'RFC2833') throw new Error('InvalidStateError');
      this.dtmf.push([tone, options]);
    };
    controller.sendDtmf('#');
    expect(session.dtmf).toEqual([['#', { transportType: 'INFO', duration: 160 }]]);
    expect(controller.getState().call?.dtmf).toBe('#');
  });

  it('transfers through the API when the server tracks the call', async () => {
    const { controller, deps, ua, register } = await setup();
    register();
    const session = ua().invite('call-1', '200');
    controller.answer();
    session.emit('confirmed');
    controller.trackServerCall(
      { id: 'c0ffee00-0000-4000-8000-000000000001', status: 'in_progress', agent_id: 'me' } as never,
      'me',
    );
    await controller.transfer('1002');
    expect(vi.mocked(deps.transferCall)).toHaveBeenCalledWith('c0ffee00-0000-4000-8000-000000000001', '1002');
    expect(session.refers).toHaveLength(0);
  });

  it('transfers with a SIP REFER otherwise, and ends its leg once accepted', async () => {
    const { controller, ua, register } = await setup();
    register();
    const session = ua().invite('call-1', '200');
    controller.answer();
    session.emit('confirmed');
    await controller.transfer('1002');
    expect(session.refers[0]?.target).toBe('sip:1002@pbx.acme.test');
    expect(controller.getState().call?.isTransferring).toBe(true);
    session.refers[0]?.handlers.accepted?.();
    expect(session.terminated).toHaveLength(1);
  });

  it('fetches the credentials again after a refused registration (rotated password)', async () => {
    let password = 'old-password-000';
    const loadDevice = vi.fn(async () => ({ ...CREDENTIALS, sip_password: password }));
    const { controller, agents, ua } = await setup({ loadDevice });
    password = 'new-password-111';
    ua().emit('registrationFailed', { cause: 'Authentication Error', response: { status_code: 403 } });
    await vi.waitFor(() => expect(agents).toHaveLength(2));
    expect(agents[0]?.stopped).toBe(1);
    expect(agents[1]?.config.password).toBe('new-password-111');
    expect(controller.getState().registration).toBe('connecting');
  });

  it('recreates the user agent when the browser comes back online while disconnected', async () => {
    const { agents, ua, register, network } = await setup();
    register();
    ua().isConnectedValue = false;
    ua().emit('disconnected');
    network.dispatchEvent(new Event('online'));
    expect(agents).toHaveLength(2);
    expect(agents[0]?.stopped).toBe(1);
    expect(agents[1]?.started).toBe(1);
  });

  it('does not recreate the user agent during a call', async () => {
    const { agents, ua, register, network } = await setup();
    register();
    ua().invite('call-1', '200');
    ua().isConnectedValue = false;
    network.dispatchEvent(new Event('online'));
    expect(agents).toHaveLength(1);
  });

  it('stops: ends the call, unregisters and forgets the state', async () => {
    const { controller, ua, register } = await setup();
    register();
    const session = ua().invite('call-1', '200');
    controller.stop();
    expect(session.terminated).toHaveLength(1);
    expect(ua().stopped).toBe(1);
    expect(controller.getState().registration).toBe('idle');
  });

  it('ignores events of a user agent it already replaced', async () => {
    const { controller, agents, ua, register, network } = await setup();
    register();
    ua().isConnectedValue = false;
    network.dispatchEvent(new Event('online'));
    agents[0]?.emit('registered');
    agents[0]?.emit('disconnected');
    expect(controller.getState().registration).not.toBe('reconnecting');
  });

  it('registers nothing and turns calls off when the server has no PBX', async () => {
    const { controller, agents } = await setup({ loadDevice: async () => ({ ...CREDENTIALS, pbx: 'not_configured' }) });
    expect(agents).toHaveLength(0);
    expect(controller.getState()).toMatchObject({ registration: 'not_configured', pbx: 'not_configured' });
    expect(canPlaceCalls(controller.getState())).toBe(false);
  });

  it('asks the server again, later each time, while the PBX is down, and registers at once when it is back', async () => {
    vi.useFakeTimers();
    try {
      const loadDevice = vi.fn(async (): Promise<DeviceCredentials> => ({ ...CREDENTIALS, pbx: 'disconnected' }));
      const { controller, agents, ua } = await setup({ loadDevice });
      expect(controller.getState().pbx).toBe('disconnected');
      expect(agents).toHaveLength(1); // the SIP side may still answer: JsSIP tries with its own back-off
      ua().emit('disconnected');
      expect(controller.getState().registration).toBe('reconnecting');

      await vi.advanceTimersByTimeAsync(6_000); // first check within 4–5 s
      expect(loadDevice).toHaveBeenCalledTimes(2);
      await vi.advanceTimersByTimeAsync(6_000); // the second waits 8–10 s
      expect(loadDevice).toHaveBeenCalledTimes(2);
      loadDevice.mockImplementation(async () => ({ ...CREDENTIALS, pbx: 'up' }));
      await vi.advanceTimersByTimeAsync(4_000);
      expect(loadDevice).toHaveBeenCalledTimes(3);
      expect(controller.getState().pbx).toBe('up');
      expect(agents).toHaveLength(2); // recreated at once instead of waiting for JsSIP
      await vi.advanceTimersByTimeAsync(120_000);
      expect(loadDevice).toHaveBeenCalledTimes(3); // no more checks once it is up
      controller.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('ends the call on the server’s call_ended for the call this session carries', async () => {
    const { controller, ua, register } = await setup();
    register();
    const session = ua().invite('call-1', '200', { callInfo: 'answer-after=0' });
    session.emit('confirmed');
    const call = { id: 'c0ffee00-0000-4000-8000-000000000002', agent_id: 'me' };
    controller.trackServerCall({ ...call, status: 'in_progress' } as never, 'me');
    controller.trackServerCall({ ...call, status: 'completed' } as never, 'me');
    expect(session.terminated).toHaveLength(1);
    expect(controller.getState()).toMatchObject({ call: null, lastCall: { cause: 'remote_hangup' } });
    // JsSIP's own report, if it ever comes, changes nothing.
    session.emit('ended', { originator: 'remote', cause: 'Terminated' });
    expect(controller.getState().lastCall?.cause).toBe('remote_hangup');
  });

  it('leaves a newer call alone when an older call’s end arrives late', async () => {
    const { controller, ua, register } = await setup();
    register();
    const older = { id: 'c0ffee00-0000-4000-8000-000000000003', agent_id: 'me' };
    controller.trackServerCall({ ...older, status: 'in_progress' } as never, 'me');
    const first = ua().invite('call-1', '200', { callInfo: 'answer-after=0' });
    first.emit('ended', { originator: 'remote', cause: 'Terminated' });
    const second = ua().invite('call-2', '300');
    controller.trackServerCall({ ...older, status: 'completed' } as never, 'me');
    expect(second.terminated).toHaveLength(0);
    expect(controller.getState().call?.sessionId).toBe('call-2');
    // Someone else's call never touches this phone.
    controller.trackServerCall({ ...older, agent_id: 'other', status: 'completed' } as never, 'me');
    expect(controller.getState().call?.sessionId).toBe('call-2');
  });

  it.each(['iceConnectionState', 'connectionState'] as const)(
    'ends the call when the peer connection fails (%s)',
    async (property) => {
      const { controller, ua, register } = await setup();
      register();
      const session = ua().invite('call-1', '200', { callInfo: 'answer-after=0' });
      const pc = Object.assign(new EventTarget(), {
        iceConnectionState: 'connected',
        connectionState: 'connected',
        getSenders: () => [],
      });
      session.emit('peerconnection', { peerconnection: pc });
      session.emit('confirmed');
      pc.dispatchEvent(new Event('iceconnectionstatechange'));
      expect(controller.getState().call?.phase).toBe('active');
      pc[property] = 'failed';
      pc.dispatchEvent(
        new Event(property === 'iceConnectionState' ? 'iceconnectionstatechange' : 'connectionstatechange'),
      );
      expect(session.terminated).toHaveLength(1);
      expect(controller.getState()).toMatchObject({ call: null, lastCall: { cause: 'media_error' } });
    },
  );
});
