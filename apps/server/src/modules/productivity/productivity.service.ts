/**
 * Use cases of labels, canned responses and private notes. Notes never reach a customer:
 * they are stored apart from messages and published only to agents (`note_created`), and
 * each agent named with `@` hears `agent_mentioned`.
 */
import { createHash } from 'node:crypto';
import { isUniqueViolation } from '../../db/driver-results.js';
import { isManager, type Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors.js';
import type { EventPublisher } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { audienceOf, classifyAttachment, cleanFilename } from '../conversations/index.js';
import {
  canEditCanned,
  excerptOf,
  findMentions,
  type CannedAttachment,
  type CannedResponse,
  type Label,
  type Note,
} from './productivity.js';
import type { ProductivityRepository } from './productivity.repository.js';

/** Where canned responses' files are kept (MEDIA_DIR, as messages' files). */
export interface CannedFiles {
  write(companyId: string, fileId: string, bytes: Buffer): Promise<void>;
  remove(companyId: string, fileId: string): Promise<void>;
  locate(companyId: string, fileId: string): Promise<{ path: string; sizeBytes: number } | undefined>;
}

export interface ProductivityServiceDeps {
  repository: ProductivityRepository;
  files: CannedFiles;
  publisher: EventPublisher;
  clock: Clock;
  logger: Logger;
}

function requireManager(actor: Actor): void {
  if (!isManager(actor)) throw new ForbiddenError('auth.forbidden', 'Only supervisors and admins do this.');
}

const labelTaken = () => new ConflictError('label.name_taken', 'A label with that name exists.');
const shortcutTaken = () => new ConflictError('canned_response.shortcut_taken', 'That shortcut is in use.');

export class ProductivityService {
  constructor(private readonly deps: ProductivityServiceDeps) {}

  // ── labels ────────────────────────────────────────────────────────────────

  listLabels(actor: Actor): Promise<Label[]> {
    return this.deps.repository.listLabels(actor.companyId);
  }

  async createLabel(actor: Actor, input: { name: string; colour: string }): Promise<Label> {
    requireManager(actor);
    const now = this.deps.clock.now();
    const label: Label = { id: newId(), companyId: actor.companyId, ...input, createdAt: now, updatedAt: now };
    try {
      await this.deps.repository.insertLabel(label);
    } catch (error) {
      if (isUniqueViolation(error)) throw labelTaken();
      throw error;
    }
    return label;
  }

  async updateLabel(actor: Actor, labelId: string, patch: { name?: string; colour?: string }): Promise<Label> {
    requireManager(actor);
    let updated: Label | undefined;
    try {
      updated = await this.deps.repository.updateLabel(actor.companyId, labelId, patch, this.deps.clock.now());
    } catch (error) {
      if (isUniqueViolation(error)) throw labelTaken();
      throw error;
    }
    if (!updated) throw new NotFoundError('label.not_found', 'No such label.');
    return updated;
  }

  async deleteLabel(actor: Actor, labelId: string): Promise<void> {
    requireManager(actor);
    if (!(await this.deps.repository.deleteLabel(actor.companyId, labelId))) {
      throw new NotFoundError('label.not_found', 'No such label.');
    }
  }

  async labelsOfConversation(actor: Actor, conversationId: string): Promise<Label[]> {
    await this.visibleConversation(actor, conversationId);
    return this.deps.repository.labelsOfConversation(actor.companyId, conversationId);
  }

  /** Replaces the conversation's labels; anyone who sees the conversation may label it. */
  async setConversationLabels(actor: Actor, conversationId: string, labelIds: string[]): Promise<Label[]> {
    const conversation = await this.visibleConversation(actor, conversationId);
    const unique = [...new Set(labelIds)];
    const now = this.deps.clock.now();
    const labels = await this.deps.repository.transaction(async (repo) => {
      await repo.lockConversation(actor.companyId, conversationId);
      await this.requireLabels(repo, actor.companyId, unique);
      await repo.setConversationLabels(actor.companyId, conversationId, unique, now);
      return repo.labelsOfConversation(actor.companyId, conversationId);
    });
    await this.publish({
      name: 'conversation.labels_changed',
      companyId: actor.companyId,
      audience: audienceOf(conversation, undefined, [actor.userId]),
      data: { conversation_id: conversationId, label_ids: labels.map((l) => l.id), by_user_id: actor.userId },
    });
    return labels;
  }

  async labelsOfContact(actor: Actor, contactId: string): Promise<Label[]> {
    if (!(await this.deps.repository.contactExists(actor.companyId, contactId))) throw contactNotFound();
    return this.deps.repository.labelsOfContact(actor.companyId, contactId);
  }

  async setContactLabels(actor: Actor, contactId: string, labelIds: string[]): Promise<Label[]> {
    const unique = [...new Set(labelIds)];
    const now = this.deps.clock.now();
    return this.deps.repository.transaction(async (repo) => {
      if (!(await repo.contactExists(actor.companyId, contactId, true))) throw contactNotFound();
      await this.requireLabels(repo, actor.companyId, unique);
      await repo.setContactLabels(actor.companyId, contactId, unique, now);
      return repo.labelsOfContact(actor.companyId, contactId);
    });
  }

  /** Label ids of the given conversations (the inbox shows them on each row). */
  async labelIdsOf(actor: Actor, conversationIds: string[]): Promise<Map<string, string[]>> {
    const rows = await this.deps.repository.labelIdsOfConversations(actor.companyId, conversationIds);
    const byConversation = new Map<string, string[]>();
    for (const row of rows) {
      byConversation.set(row.conversationId, [...(byConversation.get(row.conversationId) ?? []), row.labelId]);
    }
    return byConversation;
  }

  private async requireLabels(repo: ProductivityRepository, companyId: string, labelIds: string[]): Promise<void> {
    if ((await repo.countLabels(companyId, labelIds)) !== labelIds.length) {
      throw new ValidationError('label.not_found', 'A label does not exist.', [
        { field: 'body.label_ids', message: 'every id must be one of your company’s labels' },
      ]);
    }
  }

  // ── canned responses ──────────────────────────────────────────────────────

  listCanned(actor: Actor, q: string | undefined): Promise<CannedResponse[]> {
    return this.deps.repository.listCanned(actor.companyId, actor.userId, q);
  }

  async createCanned(
    actor: Actor,
    input: { scope: 'company' | 'personal'; shortcut: string; body: string },
  ): Promise<CannedResponse> {
    if (input.scope === 'company') requireManager(actor);
    const now = this.deps.clock.now();
    const canned: CannedResponse = {
      id: newId(),
      companyId: actor.companyId,
      ownerId: input.scope === 'company' ? null : actor.userId,
      shortcut: input.shortcut,
      body: input.body,
      attachment: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.deps.repository.insertCanned(canned, actor.userId);
    } catch (error) {
      if (isUniqueViolation(error)) throw shortcutTaken();
      throw error;
    }
    return canned;
  }

  async updateCanned(
    actor: Actor,
    cannedId: string,
    patch: { shortcut?: string | undefined; body?: string | undefined },
  ): Promise<CannedResponse> {
    await this.editableCanned(actor, cannedId);
    const clean = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    let updated: CannedResponse | undefined;
    try {
      updated = await this.deps.repository.updateCanned(actor.companyId, cannedId, clean, this.deps.clock.now());
    } catch (error) {
      if (isUniqueViolation(error)) throw shortcutTaken();
      throw error;
    }
    if (!updated) throw cannedNotFound();
    return updated;
  }

  /** Deletes the reply and then its file (a file that cannot be removed is logged). */
  async deleteCanned(actor: Actor, cannedId: string): Promise<void> {
    await this.editableCanned(actor, cannedId);
    const previous = await this.deps.repository.transaction(async (repo) => {
      const current = assertEditable(actor, await repo.findCanned(actor.companyId, cannedId, true));
      await repo.deleteCanned(actor.companyId, cannedId);
      return current.attachment;
    });
    if (previous) await this.removeFile(actor.companyId, previous.fileId);
  }

  /**
   * Attaches a file to the reply, replacing (and deleting) the one it had. The file is
   * checked by the rules of agents' outbound files (WhatsApp's types and sizes: 422
   * `attachment.*`) before anything is stored.
   */
  async setCannedAttachment(
    actor: Actor,
    cannedId: string,
    file: { bytes: Buffer; declaredMimeType: string | undefined; filename: string | undefined },
  ): Promise<CannedResponse> {
    await this.editableCanned(actor, cannedId);
    const filename = cleanFilename(file.filename);
    const { kind, mimeType } = classifyAttachment({
      declaredMimeType: file.declaredMimeType,
      filename,
      sizeBytes: file.bytes.length,
      head: file.bytes.subarray(0, 16),
    });
    const attachment: CannedAttachment = {
      fileId: newId(),
      kind,
      mimeType,
      filename,
      sizeBytes: file.bytes.length,
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
    };
    await this.deps.files.write(actor.companyId, attachment.fileId, file.bytes);
    const result = await this.replaceAttachment(actor, cannedId, attachment).catch(async (error: unknown) => {
      await this.removeFile(actor.companyId, attachment.fileId);
      throw error;
    });
    this.deps.logger.info(
      { companyId: actor.companyId, cannedId, kind, sizeBytes: attachment.sizeBytes },
      'canned response attachment set',
    );
    return result;
  }

  /** Takes the file off the reply and deletes it. */
  removeCannedAttachment(actor: Actor, cannedId: string): Promise<CannedResponse> {
    return this.replaceAttachment(actor, cannedId, null);
  }

  /** The reply's file for whoever may use the reply (the company's: everyone; personal: its owner). */
  async cannedAttachmentFile(
    actor: Actor,
    cannedId: string,
  ): Promise<{ attachment: CannedAttachment; path: string; sizeBytes: number }> {
    const canned = await this.deps.repository.findCanned(actor.companyId, cannedId);
    if (!canned || (canned.ownerId !== null && canned.ownerId !== actor.userId)) throw cannedNotFound();
    const stored = canned.attachment && (await this.deps.files.locate(actor.companyId, canned.attachment.fileId));
    if (!canned.attachment || !stored) {
      throw new NotFoundError('canned_response.no_attachment', 'This canned response has no file.');
    }
    return { attachment: canned.attachment, ...stored };
  }

  /** Sets the attachment with the row locked; the file it had is deleted after commit. */
  private async replaceAttachment(
    actor: Actor,
    cannedId: string,
    attachment: CannedAttachment | null,
  ): Promise<CannedResponse> {
    const { updated, previous } = await this.deps.repository.transaction(async (repo) => {
      const current = assertEditable(actor, await repo.findCanned(actor.companyId, cannedId, true));
      const next = await repo.setCannedAttachment(actor.companyId, cannedId, attachment, this.deps.clock.now());
      if (!next) throw cannedNotFound();
      return { updated: next, previous: current.attachment };
    });
    if (previous) await this.removeFile(actor.companyId, previous.fileId);
    return updated;
  }

  private async removeFile(companyId: string, fileId: string): Promise<void> {
    try {
      await this.deps.files.remove(companyId, fileId);
    } catch (error) {
      this.deps.logger.error({ err: error, companyId, fileId }, 'canned response file not removed');
    }
  }

  /** Someone else's personal reply is not found; the company's is forbidden to agents. */
  private async editableCanned(actor: Actor, cannedId: string): Promise<CannedResponse> {
    return assertEditable(actor, await this.deps.repository.findCanned(actor.companyId, cannedId));
  }

  // ── notes ─────────────────────────────────────────────────────────────────

  async listNotes(actor: Actor, conversationId: string): Promise<Note[]> {
    await this.visibleConversation(actor, conversationId);
    return this.deps.repository.listNotes(actor.companyId, conversationId);
  }

  async addNote(actor: Actor, conversationId: string, body: string): Promise<Note> {
    const conversation = await this.visibleConversation(actor, conversationId);
    const users = await this.deps.repository.mentionable(actor.companyId);
    const mentions = findMentions(body, users);
    const authorName = users.find((u) => u.userId === actor.userId)?.name ?? '';
    const note: Note = {
      id: newId(),
      companyId: actor.companyId,
      conversationId,
      authorId: actor.userId,
      authorName,
      body,
      mentions,
      createdAt: this.deps.clock.now(),
    };
    await this.deps.repository.insertNote({ ...note, mentions: mentions.map((m) => m.userId) });
    this.deps.logger.info(
      { companyId: actor.companyId, conversationId, noteId: note.id, mentions: mentions.length },
      'note added',
    );
    const mentioned = mentions.map((m) => m.userId).filter((id) => id !== actor.userId);
    await this.publish({
      name: 'note.created',
      companyId: actor.companyId,
      audience: audienceOf(conversation, undefined, [actor.userId, ...mentioned]),
      data: toNoteDto(note),
    });
    if (mentioned.length > 0) {
      await this.publish({
        name: 'agent.mentioned',
        companyId: actor.companyId,
        audience: { userIds: mentioned },
        data: {
          note_id: note.id,
          conversation_id: conversationId,
          author_id: actor.userId,
          author_name: authorName,
          channel: conversation.channel,
          excerpt: excerptOf(body),
          created_at: note.createdAt.toISOString(),
        },
      });
    }
    return note;
  }

  /**
   * The conversation as the conversations module shows it: managers see all, agents the
   * unassigned and their own. Anything else is not found.
   */
  private async visibleConversation(actor: Actor, conversationId: string) {
    const conversation = await this.deps.repository.findConversation(actor.companyId, conversationId);
    const isVisible =
      conversation &&
      (isManager(actor) || conversation.assigneeId === null || conversation.assigneeId === actor.userId);
    if (!conversation || !isVisible) throw new NotFoundError('conversation.not_found', 'No such conversation.');
    return conversation;
  }

  /** After commit; a lost event is logged, the change is stored and readable. */
  private async publish(event: Parameters<EventPublisher['publish']>[0]): Promise<void> {
    try {
      await this.deps.publisher.publish(event);
    } catch (error) {
      this.deps.logger.error({ err: error, event: event.name }, 'productivity event not published');
    }
  }
}

/** Someone else's personal reply is not found; the company's is forbidden to agents. */
function assertEditable(actor: Actor, canned: CannedResponse | undefined): CannedResponse {
  if (!canned || (canned.ownerId !== null && canned.ownerId !== actor.userId)) throw cannedNotFound();
  if (!canEditCanned(actor, canned)) {
    throw new ForbiddenError('auth.forbidden', 'Only supervisors and admins edit the company’s replies.');
  }
  return canned;
}

const contactNotFound = () => new NotFoundError('contact.not_found', 'No such contact.');
const cannedNotFound = () => new NotFoundError('canned_response.not_found', 'No such canned response.');

export function toNoteDto(note: Note) {
  return {
    id: note.id,
    conversation_id: note.conversationId,
    author_id: note.authorId,
    author_name: note.authorName,
    body: note.body,
    mentions: note.mentions.map((m) => ({ user_id: m.userId, name: m.name })),
    created_at: note.createdAt.toISOString(),
  };
}
