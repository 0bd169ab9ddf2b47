/**
 * Files contacts sent, on disk under MEDIA_DIR as `<company id>/<message id>`: both are ids
 * we made, checked to be UUIDs, so no name from outside ever becomes a path. A file is
 * written under a temporary name and renamed into place, so a reader never sees half of
 * one.
 */
import { copyFile, mkdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isUuid, randomString } from '../../shared/ids.js';

export class MediaFiles {
  constructor(private readonly dir: string) {}

  async write(companyId: string, messageId: string, bytes: Buffer): Promise<void> {
    const path = this.pathOf(companyId, messageId);
    await mkdir(join(this.dir, companyId), { recursive: true, mode: 0o700 });
    const temporary = `${path}.${randomString(8, 'abcdefghijklmnopqrstuvwxyz0123456789')}.tmp`;
    try {
      await writeFile(temporary, bytes, { mode: 0o600 });
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** Copies a stored file under another id (an agent's upload becomes the file of the message that sends it). */
  async copy(companyId: string, fromId: string, toId: string): Promise<void> {
    const target = this.pathOf(companyId, toId);
    const temporary = `${target}.${randomString(8, 'abcdefghijklmnopqrstuvwxyz0123456789')}.tmp`;
    try {
      await copyFile(this.pathOf(companyId, fromId), temporary);
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** The stored file's bytes, or undefined when it is not there. */
  async read(companyId: string, id: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(companyId, id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Where the stored file is and its size, or undefined when it is not there. */
  async locate(companyId: string, messageId: string): Promise<{ path: string; sizeBytes: number } | undefined> {
    const path = this.pathOf(companyId, messageId);
    const info = await stat(path).catch(() => undefined);
    return info?.isFile() ? { path, sizeBytes: info.size } : undefined;
  }

  /** Removes the file; one already gone counts as removed. */
  async remove(companyId: string, messageId: string): Promise<void> {
    try {
      await unlink(this.pathOf(companyId, messageId));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  private pathOf(companyId: string, messageId: string): string {
    if (!isUuid(companyId) || !isUuid(messageId)) throw new Error('media files are named by UUIDs only');
    return join(this.dir, companyId, messageId);
  }
}
