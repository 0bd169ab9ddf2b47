/**
 * The part of JsSIP the softphone uses, as small interfaces: the controller is tested with
 * fakes of these, and jssip-user-agent.ts adapts the real library.
 */

export interface SipRequest {
  getHeader(name: string): string | undefined;
}

export interface SipSession {
  readonly id: string;
  readonly connection: RTCPeerConnection | null | undefined;
  readonly remote_identity: { display_name?: string | null; uri: { user: string | null; host?: string } };
  on(event: string, listener: (payload: never) => void): void;
  answer(options: {
    mediaConstraints: MediaStreamConstraints;
    pcConfig?: RTCConfiguration;
    rtcOfferConstraints?: unknown;
  }): void;
  terminate(options?: { status_code?: number; reason_phrase?: string }): void;
  mute(options: { audio: boolean }): void;
  unmute(options: { audio: boolean }): void;
  isMuted(): { audio?: boolean; video?: boolean };
  hold(): boolean;
  unhold(): boolean;
  isOnHold(): { local: boolean; remote: boolean };
  sendDTMF(tones: string, options?: { transportType?: 'RFC2833' | 'INFO'; duration?: number }): void;
  refer(target: string, options?: { eventHandlers?: Record<string, (payload: never) => void> }): void;
}

export interface NewSessionEvent {
  originator: 'local' | 'remote' | 'system';
  session: SipSession;
  request: SipRequest;
}

export interface SipUserAgent {
  on(event: 'connecting' | 'connected' | 'disconnected' | 'registered' | 'unregistered', listener: () => void): void;
  on(
    event: 'registrationFailed',
    listener: (event: { cause?: string; response?: { status_code?: number } }) => void,
  ): void;
  on(event: 'newRTCSession', listener: (event: NewSessionEvent) => void): void;
  start(): void;
  stop(): void;
  isConnected(): boolean;
  isRegistered(): boolean;
}

export interface UserAgentConfig {
  wssUrl: string;
  uri: string;
  username: string;
  password: string;
  displayName: string;
}

export type CreateUserAgent = (config: UserAgentConfig) => SipUserAgent;
