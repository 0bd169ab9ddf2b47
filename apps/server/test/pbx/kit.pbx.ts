/**
 * The asterisk/ kit itself on Asterisk 22.10.1: it loads cleanly, agents' endpoints come
 * from the rows Switchboard writes (read through the kit's least-privileged role), a
 * rotated device password is live at the next REGISTER, and Switchboard started before
 * Asterisk connects once it is up.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KIT_DIR } from './support/asterisk.js';
import { startPbxHarness, type PbxHarness } from './support/harness.js';
import { Sipp } from './support/sipp.js';

const KIT_FILES = readdirSync(KIT_DIR).filter((name) => name.endsWith('.conf'));
/** Modules whose configuration is the kit's: their complaints are about the kit. */
const KIT_MODULES =
  /^(res_pjsip\w*|chan_pjsip|res_config_pgsql|res_sorcery_realtime|pbx_config|http|res_ari\w*|res_http_websocket|res_rtp_asterisk|res_stasis\w*|app_stasis|res_audiosocket|app_audiosocket|chan_audiosocket|res_srtp)\.c$/;

/**
 * Warnings and errors about the kit's files. Asterisk also complains about the many
 * optional files a deployment keeps from its installation (cdr.conf, features.conf …);
 * those are not the kit's.
 */
function kitComplaints(lines: string[]): string[] {
  return lines.filter((line) => {
    const match = /\] (WARNING|ERROR)\[\d+\] ([\w/]+\.c): (.*)$/.exec(line);
    if (!match) return false;
    const [, , source = '', message = ''] = match;
    const files = message.match(/[\w-]+\.conf\b/g) ?? [];
    if (files.some((file) => KIT_FILES.includes(file))) return true;
    return files.length === 0 && KIT_MODULES.test(source.split('/').pop() ?? '');
  });
}

describe.skipIf(inject('pbxSkipReason'))('the asterisk/ kit on Asterisk 22.10.1', () => {
  let pbx: PbxHarness;

  beforeAll(async () => {
    pbx = await startPbxHarness();
  });
  afterAll(async () => {
    await pbx?.close();
  });

  it('loads without errors or warnings about its own files', () => {
    const lines = pbx.asterisk.logLines();
    expect(lines.some((line) => line.includes('Asterisk 22.10.1'))).toBe(true);
    expect(kitComplaints(lines)).toEqual([]);
    expect(pbx.asterisk.cli('module show like pgsql')).toMatch(/res_config_pgsql\.so.*Running/);
    expect(pbx.asterisk.cli('ari show apps')).toMatch(/switchboard/);
    // The trunk identifies the carrier by address and port, not only by address: the
    // agents' phones on the same host must not land in from-pstn.
    expect(pbx.asterisk.cli('pjsip show identify trunk')).toContain(`127.0.0.1:${pbx.carrierUasPort}`);
  });

  it("reads agents' endpoints from Switchboard's rows: a device created through the API registers", async () => {
    const phone = await pbx.phone();
    const endpoint = pbx.asterisk.cli(`pjsip show endpoint ${phone.sipUsername}`);
    expect(endpoint).toMatch(/context\s+:\s+from-agents/);
    expect(endpoint).toMatch(/allow\s+:\s+\(ulaw\|alaw\)/);
    expect(pbx.asterisk.cli('pjsip show contacts')).toContain(`${phone.sipUsername}@127.0.0.1:${phone.port}`);
    const { rows } = await pbx.sql.query('select endpoint from ps_contacts where endpoint = $1', [phone.sipUsername]);
    expect(rows).toHaveLength(1);
    expect(kitComplaints(pbx.asterisk.logLines())).toEqual([]);
  });

  it("codecs an admin sets through the API are the device's at once", async () => {
    const phone = await pbx.phone();
    const changed = await pbx.api.request('PATCH', `/api/users/${phone.userId}/device`, {
      token: await pbx.api.adminToken(),
      body: { codecs: ['alaw'] },
    });
    expect(changed.status).toBe(200);
    expect(pbx.asterisk.cli(`pjsip show endpoint ${phone.sipUsername}`)).toMatch(/allow\s+:\s+\(alaw\)/);
  });

  it('a device password rotated through the API is the one the next REGISTER needs', async () => {
    const phone = await pbx.phone();
    const rotated = await pbx.api.request('POST', `/api/users/${phone.userId}/device/rotate-password`, {
      token: await pbx.api.adminToken(),
    });
    expect(rotated.status).toBe(200);
    const newPassword: string = rotated.body.sip_password;
    expect(newPassword).not.toBe(phone.sipPassword);
    const register = (scenario: 'register' | 'register-refused', password: string) =>
      Sipp.run({
        scenario,
        port: phone.port,
        remote: pbx.sipAddress,
        service: phone.sipUsername,
        auth: { username: phone.sipUsername, password },
      });
    await register('register-refused', phone.sipPassword);
    await register('register', newPassword);
  });
});

describe.skipIf(inject('pbxSkipReason'))('Switchboard started before Asterisk', () => {
  let pbx: PbxHarness;

  beforeAll(async () => {
    pbx = await startPbxHarness({ startAsterisk: false });
  });
  afterAll(async () => {
    await pbx?.close();
  });

  it('is ready with the PBX shown as disconnected, and connects once Asterisk is up', async () => {
    const ready = await pbx.api.request('GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.pbx).toBe('disconnected');
    const phone = await pbx.api.request('POST', '/api/calls/make', {
      token: await pbx.api.adminToken(),
      body: { to: '1001' },
    });
    expect(phone.status).toBe(503);

    await pbx.asterisk.start();
    await pbx.waitForPbx('up');
    expect(pbx.asterisk.cli('ari show apps')).toMatch(/switchboard/);
  });
});
