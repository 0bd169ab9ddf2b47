import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors.js';
import { buildPjsipRows, callerIdFor, endpointIdFor, generateSipPassword, generateSipPrefix } from './sip-device.js';
import { pickFreeExtension } from './users.service.js';

const settings = {
  context: 'from-agents',
  webrtcTransport: 'transport-wss',
  udpTransport: 'transport-udp',
  webrtcCodecs: ['ulaw', 'alaw', 'opus'],
};

describe('SIP device rules', () => {
  it('allocates the lowest free extension of the range', () => {
    expect(pickFreeExtension([], 1000, 1999)).toBe(1000);
    expect(pickFreeExtension([1000, 1001, 1003], 1000, 1999)).toBe(1002);
    expect(() => pickFreeExtension([1000, 1001], 1000, 1001)).toThrow(ConflictError);
  });

  it('makes passwords of 32 characters that differ each time', () => {
    const passwords = new Set(Array.from({ length: 50 }, () => generateSipPassword()));
    expect(passwords.size).toBe(50);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z2-9]{32}$/);
  });

  it('builds endpoint ids from a letters-only prefix and the extension', () => {
    const prefix = generateSipPrefix();
    expect(prefix).toMatch(/^[a-z]{6}$/);
    expect(endpointIdFor(prefix, 1000)).toBe(`${prefix}_1000`);
  });

  it('keeps caller ids within varchar(40) and free of header-breaking characters', () => {
    const callerId = callerIdFor('A "very" <long> name that goes on and on and on', 1999);
    expect(callerId.length).toBeLessThanOrEqual(40);
    expect(callerId).toMatch(/^"[^"<>]*" <1999>$/);
  });

  it('builds a WebRTC endpoint as the proven Asterisk 22 configuration', () => {
    const rows = buildPjsipRows({
      endpointId: 'abcdef_1000',
      password: 'p'.repeat(32),
      template: 'webrtc',
      extension: 1000,
      displayName: 'Ana',
      companyId: '00000000-0000-4000-8000-000000000001',
      sipPrefix: 'abcdef',
      settings,
    });
    expect(rows.endpoint).toMatchObject({
      id: 'abcdef_1000',
      transport: 'transport-wss',
      aors: 'abcdef_1000',
      auth: 'abcdef_1000',
      context: 'from-agents',
      // SIP_WEBRTC_CODECS's default: G.711 first, as Asterisk without codec_opus needs.
      allow: 'ulaw,alaw,opus',
      webrtc: 'yes',
      mediaEncryption: 'dtls',
      dtlsSetup: 'actpass',
      iceSupport: 'yes',
      rtcpMux: 'yes',
      callerid: '"Ana" <1000>',
      setVar: 'SWITCHBOARD_COMPANY_ID=00000000-0000-4000-8000-000000000001',
    });
    expect(rows.aor).toEqual({ id: 'abcdef_1000', maxContacts: 1, removeExisting: 'yes', qualifyFrequency: 0 });
    expect(rows.auth).toEqual({
      id: 'abcdef_1000',
      authType: 'userpass',
      username: 'abcdef_1000',
      password: 'p'.repeat(32),
    });
  });

  it('builds a UDP desk-phone endpoint with G.711 only', () => {
    const rows = buildPjsipRows({
      endpointId: 'abcdef_1001',
      password: 'x'.repeat(32),
      template: 'sip',
      extension: 1001,
      displayName: 'Bo',
      companyId: '00000000-0000-4000-8000-000000000001',
      sipPrefix: 'abcdef',
      settings,
    });
    expect(rows.endpoint).toMatchObject({ transport: 'transport-udp', allow: 'ulaw,alaw' });
    expect(rows.endpoint.webrtc).toBeUndefined();
    expect(rows.aor.qualifyFrequency).toBe(60);
  });
});
