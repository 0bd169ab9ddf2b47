import { describe, expect, it } from 'vitest';
import { encodeWav } from '../../integrations/audio/index.js';
import { silentTts } from '../../integrations/tts/index.js';
import { toRoutingNotice } from './routing-notices.js';
import { VoicePrompts } from './voice-prompts.js';
import { abandonReason, isAnnouncementDue, menuPromptText, normalizeDid, positionSpeech } from './voice-routing.js';

describe('voice routing rules', () => {
  it('reads DIDs as the carrier delivers them: digits, a leading + dropped', () => {
    expect(normalizeDid('+551130003000')).toBe('551130003000');
    expect(normalizeDid(' 551130003000 ')).toBe('551130003000');
    expect(normalizeDid('55-11')).toBeUndefined();
    expect(normalizeDid('12')).toBeUndefined();
  });

  it('speaks the position and the wait in Portuguese, in whole minutes rounded up', () => {
    expect(positionSpeech('pt-BR', 1, 30)).toBe(
      'Você é o próximo da fila. Tempo estimado de espera: cerca de 1 minuto.',
    );
    expect(positionSpeech('pt-BR', 4, 181)).toBe('Você é o 4º da fila. Tempo estimado de espera: cerca de 4 minutos.');
    expect(positionSpeech('en', 2, 120)).toBe('You are number 2 in line. Estimated wait: about 2 minutes.');
  });

  it('announces on joining, then not again within 30 s', () => {
    const at = new Date('2026-12-03T12:00:00Z');
    expect(isAnnouncementDue(null, at)).toBe(true);
    expect(isAnnouncementDue(at, new Date(at.getTime() + 29_999))).toBe(false);
    expect(isAnnouncementDue(at, new Date(at.getTime() + 30_000))).toBe(true);
  });

  it('counts abandons under 5 s apart', () => {
    expect(abandonReason(4.9, 5)).toBe('abandoned_short');
    expect(abandonReason(5, 5)).toBe('caller_hangup');
  });

  it('lists the menu options with spoken keys unless the admin wrote the prompt', () => {
    const options = [
      { key: '1', label: 'vendas', queue_id: 'q1' },
      { key: '#', label: 'falar com a recepção', queue_id: 'q2' },
    ];
    expect(menuPromptText('pt-BR', { options })).toBe(
      'Olá, obrigado por ligar. Para vendas, tecle 1. Para falar com a recepção, tecle sustenido.',
    );
    expect(menuPromptText('pt-BR', { prompt: 'Bem-vindo à Acme.', options })).toBe('Bem-vindo à Acme.');
  });
});

describe('voice prompts', () => {
  const prompts = new VoicePrompts({
    baseUrl: 'http://pbx-facing:3000',
    secret: 'secret-secret-secret-secret',
    engines: { 'pt-BR': silentTts, en: silentTts },
    encodeWav,
  });

  it('carries the sentence in a signed URL without commas (ARI splits media lists on them)', async () => {
    const url = prompts.urlOf('Olá, tudo bem? Tecle 1, 2 ou 3.', 'pt-BR');
    expect(url).toMatch(
      /^http:\/\/pbx-facing:3000\/api\/voice\/prompts\/pt-BR\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]{22}\.wav$/,
    );
    expect(url).not.toContain(',');
    const [, , , , , , language, text, file] = url.split('/');
    const wav = await prompts.render(language!, text!, file!);
    expect(wav.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(wav.readUInt32LE(24)).toBe(8000);
  });

  it('refuses a sentence it did not sign', async () => {
    const [, , , , , , language, , file] = prompts.urlOf('Olá', 'pt-BR').split('/');
    const other = Buffer.from('Diga o que quiser').toString('base64url');
    await expect(prompts.render(language!, other, file!)).rejects.toMatchObject({ code: 'prompt.not_found' });
    await expect(prompts.render('fr', other, file!)).rejects.toMatchObject({ code: 'prompt.not_found' });
  });
});

describe('routing notices', () => {
  const base = { companyId: 'c1', audience: {}, seq: 1, at: new Date() };
  const offer = {
    id: 'o1',
    entry_id: 'e1',
    queue_id: 'q1',
    agent_id: 'a1',
    channel: 'voice',
    call_id: 'call1',
    offered_at: '2026-12-03T12:00:00.000Z',
    expires_at: '2026-12-03T12:00:20.000Z',
    enqueued_at: '2026-12-03T11:59:00.000Z',
  };

  it('reads the engine’s voice decisions from their published events', () => {
    expect(toRoutingNotice({ ...base, name: 'offer.created', data: offer })).toMatchObject({
      kind: 'offered',
      offer: { id: 'o1', entryId: 'e1', agentId: 'a1', expiresAt: new Date('2026-12-03T12:00:20.000Z') },
      entry: { id: 'e1', companyId: 'c1', queueId: 'q1', callId: 'call1' },
    });
    expect(toRoutingNotice({ ...base, name: 'offer.expired', data: offer })).toMatchObject({ kind: 'offer_ended' });
    const entry = {
      id: 'e1',
      queue_id: 'q1',
      channel: 'voice',
      call_id: 'call1',
      assigned_to: null,
      original_enqueued_at: '2026-12-03T11:59:00.000Z',
    };
    expect(
      toRoutingNotice({ ...base, name: 'entry.overflowed', data: { ...entry, action: { action: 'voicemail' } } }),
    ).toMatchObject({ kind: 'overflowed', action: { action: 'voicemail' } });
    expect(toRoutingNotice({ ...base, name: 'entry.abandoned', data: entry })).toMatchObject({ kind: 'ended' });
  });

  it('leaves chats, other events and malformed ones alone', () => {
    expect(
      toRoutingNotice({ ...base, name: 'offer.created', data: { ...offer, channel: 'whatsapp' } }),
    ).toBeUndefined();
    expect(
      toRoutingNotice({ ...base, name: 'call.answered', data: { channel: 'voice', call_id: 'x' } }),
    ).toBeUndefined();
    expect(toRoutingNotice({ ...base, name: 'offer.created', data: { ...offer, expires_at: 'soon' } })).toBeUndefined();
  });
});
