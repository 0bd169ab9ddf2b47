/** The real SIP stack: a JsSIP user agent over the device's WebSocket (WSS) URL. */
import { UA, WebSocketInterface } from 'jssip';
import type { CreateUserAgent, SipUserAgent } from './sip-ports';

export const createJsSipUserAgent: CreateUserAgent = (config) => {
  const socket = new WebSocketInterface(config.wssUrl);
  const ua = new UA({
    sockets: [socket],
    uri: config.uri,
    authorization_user: config.username,
    password: config.password,
    display_name: config.displayName,
    register: true,
    register_expires: 300,
    // Asterisk keeps WebRTC calls alive by RTP; session timers only add re-INVITEs.
    session_timers: false,
    connection_recovery_min_interval: 2,
    connection_recovery_max_interval: 15,
    user_agent: 'Switchboard console (JsSIP)',
  });
  // JsSIP's typings overload `on` per event; the port's shapes are a subset of its payloads.
  const agent: SipUserAgent = ua;
  return agent;
};
