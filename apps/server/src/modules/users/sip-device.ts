/**
 * The rows a SIP device becomes in Asterisk's PJSIP realtime tables. Values follow the
 * WebRTC endpoint that worked against Asterisk 22.10.1 with a JsSIP softphone
 * (shared/asterisk-traces/pjsip-realtime-proof.md), and a plain UDP phone profile.
 */
import type { psAors, psAuths, psEndpoints } from '../../db/schema/index.js';
import { randomString } from '../../shared/ids.js';
import type { SipTemplate } from './users.js';

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
/** 32 characters over 57 symbols: ~186 bits. ps_auths.password holds up to 80. */
export const SIP_PASSWORD_LENGTH = 32;

export function generateSipPassword(): string {
  return randomString(SIP_PASSWORD_LENGTH, PASSWORD_ALPHABET);
}

const PREFIX_ALPHABET = 'abcdefghijkmnpqrstuvwxyz';

/** Letters only, so `<prefix>_<extension>` can never collide across companies. */
export function generateSipPrefix(): string {
  return randomString(6, PREFIX_ALPHABET);
}

export function endpointIdFor(sipPrefix: string, extension: number): string {
  return `${sipPrefix}_${extension}`;
}

export interface PjsipSettings {
  context: string;
  webrtcTransport: string;
  udpTransport: string;
  /** SIP_WEBRTC_CODECS, in order of preference. */
  webrtcCodecs: readonly string[];
}

/** Desk phones and UDP softphones: G.711 both ways, which every phone and carrier speaks. */
export const UDP_DEVICE_CODECS = ['ulaw', 'alaw'] as const;

/** `allow` of ps_endpoints as a list, and back. */
export function codecsOf(allow: string | null | undefined): string[] {
  return (allow ?? '').split(',').filter(Boolean);
}

export function allowOf(codecs: readonly string[]): string {
  return codecs.join(',');
}

export interface PjsipRows {
  endpoint: typeof psEndpoints.$inferInsert;
  auth: typeof psAuths.$inferInsert;
  aor: typeof psAors.$inferInsert;
}

export function callerIdFor(name: string, extension: number): string {
  // callerid is varchar(40); quotes and angle brackets would break the header.
  const safeName = name.replace(/["<>\\]/g, '').slice(0, 24);
  return `"${safeName}" <${extension}>`;
}

export function buildPjsipRows(input: {
  endpointId: string;
  password: string;
  template: SipTemplate;
  extension: number;
  displayName: string;
  companyId: string;
  sipPrefix: string;
  settings: PjsipSettings;
}): PjsipRows {
  const { endpointId: id, template, settings } = input;
  const common = {
    id,
    aors: id,
    auth: id,
    context: settings.context,
    disallow: 'all',
    directMedia: 'no',
    dtmfMode: 'rfc4733',
    rtpSymmetric: 'yes',
    forceRport: 'yes',
    rewriteContact: 'yes',
    callerid: callerIdFor(input.displayName, input.extension),
    accountcode: input.sipPrefix,
    // The tenant, for the dialplan and the Stasis application.
    setVar: `SWITCHBOARD_COMPANY_ID=${input.companyId}`,
  } satisfies typeof psEndpoints.$inferInsert;
  const endpoint: typeof psEndpoints.$inferInsert =
    template === 'webrtc'
      ? {
          ...common,
          transport: settings.webrtcTransport,
          allow: allowOf(settings.webrtcCodecs),
          webrtc: 'yes',
          useAvpf: 'yes',
          mediaEncryption: 'dtls',
          dtlsAutoGenerateCert: 'yes',
          dtlsVerify: 'fingerprint',
          dtlsSetup: 'actpass',
          iceSupport: 'yes',
          rtcpMux: 'yes',
          bundle: 'yes',
          mediaUseReceivedTransport: 'yes',
        }
      : { ...common, transport: settings.udpTransport, allow: allowOf(UDP_DEVICE_CODECS) };
  return {
    endpoint,
    auth: { id, authType: 'userpass', username: id, password: input.password },
    aor: {
      id,
      maxContacts: 1,
      removeExisting: 'yes',
      // Browsers answer OPTIONS poorly over WebSocket; desk phones are qualified every minute.
      qualifyFrequency: template === 'webrtc' ? 0 : 60,
    },
  };
}
