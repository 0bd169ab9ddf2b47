/**
 * An intercom call on the residents' contacts: the visitor's call (two AudioSocket legs,
 * the resident's opened by an Asterisk-like dialer) ends, and the unit's residents find it
 * in their timelines, with its transcript, and in a voice conversation an agent can read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMPTS } from '../../src/modules/voicebot/intercom/prompts.js';
import { startIntercomHarness, ToneTts, type IntercomHarness } from '../support/intercom-harness.js';
import { eventually } from '../support/routing.js';

describe('intercom calls on the residents’ contacts', () => {
  let h: IntercomHarness;
  let intercomUuid: string;
  const residentPhone = '+5511955550101';
  const neighbourPhone = '+5511955550102';

  beforeAll(async () => {
    h = await startIntercomHarness({ tts: new ToneTts((text) => (text === PROMPTS.greeting ? 1500 : 80)) });
    const token = h.adminToken;
    const unit = await h.api.request('POST', '/api/voicebot/units', { token, body: { number: '101' } });
    for (const [name, phone, priority] of [
      ['Maria Residente', residentPhone, 0],
      ['João Vizinho', neighbourPhone, 1],
    ] as const) {
      const created = await h.api.request('POST', '/api/voicebot/residents', {
        token,
        body: { unit_id: unit.body.id, name, phone, priority },
      });
      expect(created.status, created.text).toBe(201);
    }
    const settings = await h.api.request('PUT', '/api/voicebot/settings', { token, body: {} });
    intercomUuid = settings.body.intercom_uuid;
  });
  afterAll(async () => {
    await h.close();
  });

  it('puts the call and its transcript on every resident of the unit, and in a voice conversation', async () => {
    const visitor = await h.connectVisitor(intercomUuid);
    const callId = await h.callIdOf(intercomUuid);
    await h.botSays(PROMPTS.askDestinationDtmf);
    await visitor.waitUntilBotQuiet();
    visitor.dtmf('101#');
    await h.botSays('(sinal)');
    await visitor.waitUntilBotQuiet();
    visitor.speak(600);
    const resident = await h.dialer.nextResident();
    await h.botSays(PROMPTS.askDecisionDtmf);
    await resident.waitUntilBotQuiet();
    resident.dtmf('1');
    await Promise.all([visitor.peer.closed, resident.peer.closed]);
    await h.endedCall(callId);

    const contactOf = async (phone: string) =>
      eventually(async () => {
        const list = await h.api.request('GET', `/api/contacts?q=${encodeURIComponent(phone)}`, {
          token: h.adminToken,
        });
        return (list.body.items as any[])[0];
      }, `contact of ${phone}`);
    const maria = await contactOf(residentPhone);
    expect(maria.name).toBe('Maria Residente');
    const item = await eventually(async () => {
      const items = await h.api.request('GET', `/api/contacts/${maria.id}/timeline?type=voicebot_call`, {
        token: h.adminToken,
      });
      return (items.body.items as any[])[0];
    }, 'the intercom call in the timeline');
    expect(item.voicebot_call).toMatchObject({ voicebot_call_id: callId, role: 'resident', unit_number: '101' });
    expect(item.voicebot_call.transcript).toContainEqual(expect.objectContaining({ who: 'visitor', text: '101' }));
    expect(item.voicebot_call.transcript).toContainEqual(expect.objectContaining({ who: 'resident', text: '1' }));

    const line = await eventually(async () => {
      const events = await h.api.request('GET', `/api/contacts/${maria.id}/timeline?type=event`, {
        token: h.adminToken,
      });
      return (events.body.items as any[]).find((e) => e.message.text?.startsWith('Interfone · unidade 101'));
    }, 'the transcript in a conversation');
    expect(line.channel).toBe('voice');
    expect(line.message.text).toContain('visitor: 101');
    const conversation = await h.api.request('GET', `/api/conversations/${line.conversation_id}`, {
      token: h.adminToken,
    });
    expect(conversation.status).toBe(200);

    const joao = await contactOf(neighbourPhone);
    const neighbours = await h.api.request('GET', `/api/contacts/${joao.id}/timeline?type=voicebot_call`, {
      token: h.adminToken,
    });
    expect(neighbours.body.items.map((i: any) => i.voicebot_call.voicebot_call_id)).toEqual([callId]);
  });
});
