import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServicesProvider, SoftphoneProvider } from '../../app/services';
import { I18nProvider } from '../../shared/i18n/i18n';
import { fakeServices } from '../../test-support/services';
import type { NewSessionEvent, SipSession, SipUserAgent } from './sip-ports';
import { Softphone } from './Softphone';
import { SoftphoneController } from './softphone-controller';

type Listener = (payload?: unknown) => void;

function emitter() {
  const listeners = new Map<string, Listener[]>();
  return {
    on(event: string, listener: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
    },
    emit(event: string, payload?: unknown) {
      for (const listener of listeners.get(event) ?? []) listener(payload);
    },
  };
}

async function renderPhone(pbx: 'up' | 'disconnected' | 'not_configured' = 'up') {
  const ua = { ...emitter(), start: vi.fn(), stop: vi.fn(), isConnected: () => true, isRegistered: () => true };
  const controller = new SoftphoneController({
    createUserAgent: () => ua as unknown as SipUserAgent,
    displayName: 'Ana',
    loadDevice: async () => ({
      extension: 1001,
      template: 'webrtc',
      sip_uri: 'sip:acme_1001@pbx.test',
      sip_username: 'acme_1001',
      sip_password: 'pw-0123456789',
      sip_domain: 'pbx.test',
      wss_url: 'wss://pbx.test/ws',
      ice_servers: [],
      ice_expires_at: null,
      pbx,
    }),
    makeCall: vi.fn(async () => undefined),
    transferCall: vi.fn(async () => undefined),
  });
  await controller.start();
  render(
    <ServicesProvider services={fakeServices(() => undefined)}>
      <I18nProvider locale="en">
        <SoftphoneProvider controller={controller}>
          <Softphone isOpen onToggle={() => undefined} />
        </SoftphoneProvider>
      </I18nProvider>
    </ServicesProvider>,
  );
  act(() => {
    ua.emit('connected');
    ua.emit('registered');
  });
  const invite = (user: string) => {
    const session = {
      ...emitter(),
      id: 'call-1',
      connection: null,
      remote_identity: { display_name: 'Maria', uri: { user } },
      answer: vi.fn(),
      terminate: vi.fn(),
      mute: vi.fn(),
      unmute: vi.fn(),
      isMuted: () => ({ audio: false }),
      hold: vi.fn(() => true),
      unhold: vi.fn(() => true),
      isOnHold: () => ({ local: false, remote: false }),
      sendDTMF: vi.fn(),
      refer: vi.fn(),
    };
    const event: NewSessionEvent = {
      originator: 'remote',
      session: session as unknown as SipSession,
      request: { getHeader: () => undefined },
    };
    act(() => ua.emit('newRTCSession', event));
    return session;
  };
  return { controller, invite };
}

describe('Softphone', () => {
  afterEach(() => cleanup());

  it('shows the registration and the extension', async () => {
    await renderPhone();
    expect(screen.getByTestId('sip-status').textContent).toBe('Ready');
    expect(screen.getByTestId('softphone').textContent).toContain('1001');
    expect(screen.getByTestId('remote-audio').tagName).toBe('AUDIO');
  });

  it('rings with the caller, focuses Answer, and answers', async () => {
    const { invite } = await renderPhone();
    const session = invite('5511987654321');
    expect(screen.getByTestId('call-party').textContent).toBe('Maria (5511987654321)');
    const answer = screen.getByTestId('answer');
    expect(document.activeElement).toBe(answer);
    fireEvent.click(answer);
    expect(session.answer).toHaveBeenCalledTimes(1);
    act(() => session.emit('confirmed'));
    expect(screen.getByTestId('call-timer').textContent).toMatch(/^0:0\d/);
  });

  it('drives mute, hold, the keypad and hang-up in a call', async () => {
    const { invite } = await renderPhone();
    const session = invite('200');
    fireEvent.click(screen.getByTestId('answer'));
    act(() => session.emit('confirmed'));

    fireEvent.click(screen.getByTestId('mute'));
    expect(session.mute).toHaveBeenCalledWith({ audio: true });
    fireEvent.click(screen.getByTestId('hold'));
    expect(session.hold).toHaveBeenCalled();
    act(() => session.emit('hold', { originator: 'local' }));
    expect(screen.getByTestId('hold').textContent).toBe('Resume');

    fireEvent.click(screen.getByTestId('keypad-toggle'));
    fireEvent.click(screen.getByTestId('dtmf-5'));
    fireEvent.keyDown(screen.getByTestId('dtmf-1'), { key: '#' });
    expect(session.sendDTMF.mock.calls.map((call) => call[0])).toEqual(['5', '#']);

    fireEvent.click(screen.getByTestId('hangup'));
    expect(session.terminate).toHaveBeenCalled();
    act(() => session.emit('ended', { originator: 'local', cause: 'Terminated' }));
    expect(screen.queryByTestId('call-panel')).toBeNull();
    expect(screen.getByTestId('last-call').textContent).toContain('you hung up');
  });

  it('rejects a ringing call', async () => {
    const { invite } = await renderPhone();
    const session = invite('200');
    fireEvent.click(screen.getByTestId('reject'));
    expect(session.terminate).toHaveBeenCalledWith({ status_code: 486, reason_phrase: 'Busy Here' });
  });

  it('says there is no PBX, in full, and turns the call button off with the reason', async () => {
    await renderPhone('not_configured');
    const badge = screen.getByTestId('sip-status');
    expect(badge.getAttribute('data-state')).toBe('not_configured');
    expect(badge.textContent).toBe('Telephony not configured');
    fireEvent.change(screen.getByTestId('dial-number'), { target: { value: '1002' } });
    const call = screen.getByTestId<HTMLButtonElement>('dial-call');
    expect(call.disabled).toBe(true);
    expect(call.getAttribute('aria-describedby')).toBe('dial-disabled-reason');
    expect(screen.getByTestId('call-disabled-reason').textContent).toBe('Calls are off: telephony not configured.');
  });

  it('says the PBX is down while the server has lost it', async () => {
    await renderPhone('disconnected');
    expect(screen.getByTestId('pbx-down').textContent).toMatch(/lost the phone system/);
  });
});
