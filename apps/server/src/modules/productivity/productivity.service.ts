/**
 * Use cases of labels, canned responses and private notes. Notes never reach a customer:
 * they are stored apart from messages and published only to agents (`note_created`), and
 * each agent named with `@` hears `agent_mentioned`.
 */
import { isManager, type Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors.js';
import type { Audience, EventPublisher } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { canEditCanned, excerptOf, findMentions, type CannedResponse, type Label, type Note } from './productivity.js';
import { isUniqueViolation, type ProductivityRepository } from './productivity.repository.js';

export interface ProductivityServiceDeps {
  repository: ProductivityRepository;
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
      audience: conversationAudience(conversation.assigneeId, [actor.userId]),
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

  async deleteCanned(actor: Actor, cannedId: string): Promise<void> {
    await this.editableCanned(actor, cannedId);
    await this.deps.repository.deleteCanned(actor.companyId, cannedId);
  }

  /** Someone else's personal reply is not found; the company's is forbidden to agents. */
  private async editableCanned(actor: Actor, cannedId: string): Promise<CannedResponse> {
    const canned = await this.deps.repository.findCanned(actor.companyId, cannedId);
    if (!canned || (canned.ownerId !== null && canned.ownerId !== actor.userId)) throw cannedNotFound();
    if (!canEditCanned(actor, canned)) {
      throw new ForbiddenError('auth.forbidden', 'Only supervisors and admins edit the company’s replies.');
    }
    return canned;
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
      audience: conversationAudience(conversation.assigneeId, [actor.userId, ...mentioned]),
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

/** Who sees a conversation's notes and labels: as its messages, plus the people named. */
function conversationAudience(assigneeId: string | null, also: string[]): Audience {
  if (assigneeId === null) return { company: true };
  return { userIds: [...new Set([assigneeId, ...also])], managers: true };
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
