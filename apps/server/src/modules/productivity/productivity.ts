/**
 * Agent productivity: labels, canned responses and private notes. Pure rules; the rest of
 * the module stores and publishes what these decide.
 */
import type { Actor } from '../../shared/actor.js';
import { isManager } from '../../shared/actor.js';

export interface Label {
  id: string;
  companyId: string;
  name: string;
  colour: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A canned response's file, stored under MEDIA_DIR by `fileId` (ours, never the upload's name). */
export interface CannedAttachment {
  fileId: string;
  kind: 'image' | 'document' | 'audio' | 'video';
  mimeType: string;
  filename: string | null;
  sizeBytes: number;
  sha256: string;
}

export interface CannedResponse {
  id: string;
  companyId: string;
  /** Null: the company's, for everyone. */
  ownerId: string | null;
  shortcut: string;
  body: string;
  attachment: CannedAttachment | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Note {
  id: string;
  companyId: string;
  conversationId: string;
  authorId: string;
  authorName: string;
  body: string;
  mentions: { userId: string; name: string }[];
  createdAt: Date;
}

export interface Mentionable {
  userId: string;
  name: string;
}

/** Company replies are written by supervisors and admins; anyone keeps their own. */
export function canEditCanned(actor: Actor, canned: Pick<CannedResponse, 'ownerId'>): boolean {
  return canned.ownerId === null ? isManager(actor) : canned.ownerId === actor.userId;
}

const isWordChar = (char: string | undefined): boolean => char !== undefined && /[\p{L}\p{N}_]/u.test(char);

/**
 * The users a note names with `@`: `@Ana Souza` (a full name, the longest that matches)
 * or `@Ana` (a first name only one user has). Case and accents as typed must match the
 * name's letters case-insensitively; an address like `ana@acme.test` is not a mention.
 */
export function findMentions(text: string, users: readonly Mentionable[]): Mentionable[] {
  const byLength = [...users].sort((a, b) => b.name.length - a.name.length);
  const firstNames = new Map<string, Mentionable[]>();
  for (const user of users) {
    const first = user.name.split(/\s+/)[0]?.toLocaleLowerCase('pt-BR');
    if (first) firstNames.set(first, [...(firstNames.get(first) ?? []), user]);
  }
  const found = new Map<string, Mentionable>();
  const lower = text.toLocaleLowerCase('pt-BR');
  for (let at = lower.indexOf('@'); at !== -1; at = lower.indexOf('@', at + 1)) {
    if (isWordChar(lower[at - 1])) continue;
    const rest = lower.slice(at + 1);
    const full = byLength.find((user) => {
      const name = user.name.toLocaleLowerCase('pt-BR');
      return rest.startsWith(name) && !isWordChar(rest[name.length]);
    });
    if (full) {
      found.set(full.userId, full);
      continue;
    }
    const word = /^[\p{L}\p{N}_]+/u.exec(rest)?.[0];
    const candidates = word ? firstNames.get(word) : undefined;
    if (candidates?.length === 1 && candidates[0]) found.set(candidates[0].userId, candidates[0]);
  }
  return [...found.values()];
}

/** A short line of the note for a notification. */
export function excerptOf(text: string, max = 140): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
