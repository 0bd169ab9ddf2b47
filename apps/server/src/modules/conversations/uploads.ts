/**
 * Files agents upload to send on WhatsApp: checked against WhatsApp's types and sizes
 * (attachments.ts) as they arrive, kept under MEDIA_DIR by an id of ours, and sent later by
 * reference (`{attachment: {upload_id}}`). Only the agent who uploaded a file may send it.
 */
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { messageUploads } from '../../db/schema/index.js';
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { NotFoundError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { classifyAttachment, cleanFilename, type AttachmentKind } from './attachments.js';
import type { MediaFiles } from './media.files.js';

export interface Upload {
  id: string;
  companyId: string;
  userId: string;
  kind: AttachmentKind;
  mimeType: string;
  filename: string | null;
  sizeBytes: number;
  sha256: string;
  createdAt: Date;
}

export class MessageUploads {
  constructor(private readonly deps: { db: Db; files: MediaFiles; clock: Clock }) {}

  /** Checks and keeps a file; throws 422 `attachment.*` when WhatsApp would not take it. */
  async store(
    actor: Actor,
    input: { bytes: Buffer; declaredMimeType: string | undefined; filename: string | undefined },
  ): Promise<Upload> {
    const filename = cleanFilename(input.filename);
    const { kind, mimeType } = classifyAttachment({
      declaredMimeType: input.declaredMimeType,
      filename,
      sizeBytes: input.bytes.length,
      head: input.bytes.subarray(0, 16),
    });
    const upload: Upload = {
      id: newId(),
      companyId: actor.companyId,
      userId: actor.userId,
      kind,
      mimeType,
      filename,
      sizeBytes: input.bytes.length,
      sha256: createHash('sha256').update(input.bytes).digest('hex'),
      createdAt: this.deps.clock.now(),
    };
    await this.deps.files.write(actor.companyId, upload.id, input.bytes);
    try {
      await this.deps.db.insert(messageUploads).values(upload);
    } catch (error) {
      await this.deps.files.remove(actor.companyId, upload.id);
      throw error;
    }
    return upload;
  }

  /** The actor's own upload, or 404. */
  async find(actor: Actor, uploadId: string): Promise<Upload> {
    const [row] = await this.deps.db
      .select()
      .from(messageUploads)
      .where(
        and(
          eq(messageUploads.companyId, actor.companyId),
          eq(messageUploads.id, uploadId),
          eq(messageUploads.userId, actor.userId),
        ),
      );
    if (!row) throw new NotFoundError('upload.not_found', 'No such upload of yours.');
    return { ...row, kind: row.kind as AttachmentKind };
  }
}
