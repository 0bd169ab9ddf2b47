/**
 * Canned responses in the composer: `/shortcut` typed at the start of a word opens the
 * picker, the chosen reply replaces what was typed, and its variables are filled in.
 */
import type { CannedResponseDto, MessageDto, NoteDto } from '@switchboard/contracts';

export interface SlashQuery {
  /** What follows the slash (may be empty: the whole list). */
  query: string;
  start: number;
  end: number;
}

/** The `/word` the caret is at the end of, when the slash starts a word; null otherwise. */
export function slashQueryAt(text: string, caret: number): SlashQuery | null {
  const before = text.slice(0, caret);
  const match = /(^|\s)\/([\p{L}\p{N}_-]{0,40})$/u.exec(before);
  if (!match) return null;
  const query = match[2] ?? '';
  return { query, start: caret - query.length - 1, end: caret };
}

/** Shortcuts that start with the query first, then those that contain it (shortcut or text). */
export function matchCanned(items: readonly CannedResponseDto[], query: string): CannedResponseDto[] {
  const q = query.toLocaleLowerCase('pt-BR');
  const starts = items.filter((item) => item.shortcut.toLocaleLowerCase('pt-BR').startsWith(q));
  const contains = items.filter(
    (item) =>
      !starts.includes(item) &&
      (item.shortcut.toLocaleLowerCase('pt-BR').includes(q) || item.body.toLocaleLowerCase('pt-BR').includes(q)),
  );
  return [...starts, ...contains].slice(0, 8);
}

export interface CannedVariables {
  contactName: string | null;
  contactPhone: string | null;
  agentName: string;
}

/** `{{contact.name}}`, `{{contact.first_name}}`, `{{contact.phone}}`, `{{agent.name}}`; unknown ones stay. */
export function fillVariables(body: string, vars: CannedVariables): string {
  const values: Record<string, string> = {
    'contact.name': vars.contactName ?? '',
    'contact.first_name': vars.contactName?.trim().split(/\s+/)[0] ?? '',
    'contact.phone': vars.contactPhone ?? '',
    'agent.name': vars.agentName,
  };
  return body.replace(/\{\{\s*([a-z_.]+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

/** `980 B`, `2.4 kB`, `3.1 MB`: a file's size next to its name. */
export function formatFileSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** The canned response's file as the composer attaches it: its stored name and type. */
export function cannedFileOf(canned: CannedResponseDto, blob: Blob): File {
  const attachment = canned.attachment;
  const name = attachment?.filename ?? `${canned.shortcut}.${attachment?.mime_type.split('/')[1] ?? 'bin'}`;
  return new File([blob], name, { type: attachment?.mime_type ?? blob.type });
}

/** The text with the slash query replaced by the reply, and where the caret goes. */
export function applyCanned(text: string, slash: SlashQuery, reply: string): { text: string; caret: number } {
  const next = text.slice(0, slash.start) + reply + text.slice(slash.end);
  return { text: next, caret: slash.start + reply.length };
}

/**
 * A private note shown in the thread among the messages: as an `internal` message of its
 * author (the thread already sets those apart), marked as a note in its metadata.
 */
export function noteAsMessage(note: NoteDto): MessageDto {
  return {
    id: note.id,
    message_id: note.id,
    conversation_id: note.conversation_id,
    direction: 'internal',
    author_type: 'agent',
    author_id: note.author_id,
    type: 'text',
    text: note.body,
    media: null,
    status: null,
    failure_reason: null,
    channel_message_id: null,
    metadata: { is_note: true, mentions: note.mentions.map((m) => m.user_id) },
    content: null,
    reply_to: null,
    created_at: note.created_at,
    updated_at: note.created_at,
  } as unknown as MessageDto;
}

export function isNote(message: Pick<MessageDto, 'metadata'>): boolean {
  return message.metadata?.is_note === true;
}

/**
 * The thread with the notes among the messages, by time. While older messages are still to
 * load, notes older than the oldest loaded message wait for them (they would sit on top).
 */
export function withNotes(messages: readonly MessageDto[], notes: readonly NoteDto[], hasOlder: boolean): MessageDto[] {
  if (notes.length === 0) return [...messages];
  const oldest = messages[0]?.created_at;
  const shown = notes.filter((note) => !hasOlder || (oldest !== undefined && note.created_at >= oldest));
  return [...messages, ...shown.map(noteAsMessage)].sort(
    (a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id),
  );
}
