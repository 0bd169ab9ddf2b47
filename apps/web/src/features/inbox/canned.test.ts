import { describe, expect, it } from 'vitest';
import type { CannedResponseDto, NoteDto } from '@switchboard/contracts';
import {
  applyCanned,
  cannedFileOf,
  fillVariables,
  formatFileSize,
  isNote,
  matchCanned,
  noteAsMessage,
  slashQueryAt,
  withNotes,
} from './canned';

const canned = (shortcut: string, body = `${shortcut} text`): CannedResponseDto => ({
  id: `00000000-0000-4000-8000-${String(shortcut.length).padStart(12, '0')}`,
  scope: 'company',
  owner_id: null,
  shortcut,
  body,
  attachment: null,
  created_at: '2026-12-03T10:00:00.000Z',
  updated_at: '2026-12-03T10:00:00.000Z',
});

describe('slashQueryAt', () => {
  it('finds a slash word at the caret, at the start or after a space', () => {
    expect(slashQueryAt('/ola', 4)).toEqual({ query: 'ola', start: 0, end: 4 });
    expect(slashQueryAt('Oi! /pra', 8)).toEqual({ query: 'pra', start: 4, end: 8 });
    expect(slashQueryAt('/', 1)).toEqual({ query: '', start: 0, end: 1 });
  });

  it('ignores slashes inside words and words already left behind', () => {
    expect(slashQueryAt('e/ou', 4)).toBeNull();
    expect(slashQueryAt('https://x', 9)).toBeNull();
    expect(slashQueryAt('/ola mundo', 10)).toBeNull();
  });
});

describe('matchCanned', () => {
  it('puts shortcuts that start with the query first, then contains', () => {
    const items = [canned('boleto', 'segunda via'), canned('via'), canned('viagem')];
    expect(matchCanned(items, 'via').map((c) => c.shortcut)).toEqual(['via', 'viagem', 'boleto']);
  });
});

describe('fillVariables', () => {
  it('fills contact and agent variables and leaves unknown ones', () => {
    const vars = { contactName: 'Maria da Silva', contactPhone: '+5511999990000', agentName: 'Ana' };
    expect(fillVariables('Olá {{contact.first_name}}, aqui é {{ agent.name }} ({{x.y}})', vars)).toBe(
      'Olá Maria, aqui é Ana ({{x.y}})',
    );
    expect(fillVariables('{{contact.name}}', { ...vars, contactName: null })).toBe('');
  });
});

describe('applyCanned', () => {
  it('replaces the slash word and puts the caret after the reply', () => {
    expect(applyCanned('Oi /ol!', { query: 'ol', start: 3, end: 6 }, 'Olá')).toEqual({ text: 'Oi Olá!', caret: 6 });
  });
});

describe('noteAsMessage', () => {
  it('shows a note as an internal message of its author, marked as a note', () => {
    const message = noteAsMessage({
      id: '11111111-1111-4111-8111-111111111111',
      conversation_id: '22222222-2222-4222-8222-222222222222',
      author_id: '33333333-3333-4333-8333-333333333333',
      author_name: 'Ana',
      body: 'nota',
      mentions: [],
      created_at: '2026-12-03T10:00:00.000Z',
    });
    expect(message).toMatchObject({ direction: 'internal', author_type: 'agent', text: 'nota', status: null });
    expect(isNote(message)).toBe(true);
  });
});

describe('withNotes', () => {
  const note = (id: string, at: string): NoteDto => ({
    id,
    conversation_id: 'c',
    author_id: 'a',
    author_name: 'Ana',
    body: id,
    mentions: [],
    created_at: at,
  });
  const message = (id: string, at: string) => ({ ...noteAsMessage(note(id, at)), metadata: null });

  it('puts notes among messages by time, and holds back older notes while older messages are unloaded', () => {
    const messages = [message('m1', '2026-12-03T10:00:00Z'), message('m2', '2026-12-03T10:02:00Z')];
    const notes = [note('n0', '2026-12-03T09:00:00Z'), note('n1', '2026-12-03T10:01:00Z')];
    expect(withNotes(messages, notes, false).map((m) => m.id)).toEqual(['n0', 'm1', 'n1', 'm2']);
    expect(withNotes(messages, notes, true).map((m) => m.id)).toEqual(['m1', 'n1', 'm2']);
  });
});

describe('canned response files', () => {
  it('writes a size the way people read it', () => {
    expect(formatFileSize(980)).toBe('980 B');
    expect(formatFileSize(2500)).toBe('2.5 kB');
    expect(formatFileSize(3_100_000)).toBe('3.1 MB');
  });

  it('names the file the composer attaches after the stored name and type, or the shortcut', async () => {
    const withName = cannedFileOf(
      {
        ...canned('promo'),
        attachment: { kind: 'image', mime_type: 'image/png', filename: 'promo.png', size_bytes: 3 },
      },
      new Blob([new Uint8Array([1, 2, 3])]),
    );
    expect([withName.name, withName.type, withName.size]).toEqual(['promo.png', 'image/png', 3]);
    const unnamed = cannedFileOf(
      {
        ...canned('boleto'),
        attachment: { kind: 'document', mime_type: 'application/pdf', filename: null, size_bytes: 1 },
      },
      new Blob(['x']),
    );
    expect(unnamed.name).toBe('boleto.pdf');
  });
});
