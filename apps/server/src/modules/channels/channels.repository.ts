import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { whatsappChannels } from '../../db/schema/index.js';
import type { WhatsAppAccount } from './channels.js';

type WhatsAppRow = typeof whatsappChannels.$inferSelect;

function toAccount(row: WhatsAppRow): WhatsAppAccount {
  return {
    id: row.id,
    companyId: row.companyId,
    phoneNumberId: row.phoneNumberId,
    accessToken: row.accessToken,
    appSecret: row.appSecret,
    businessAccountId: row.businessAccountId,
    templatesSyncedAt: row.templatesSyncedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export class ChannelsRepository {
  constructor(readonly db: Db) {}

  transaction<T>(fn: (repo: ChannelsRepository) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new ChannelsRepository(tx)));
  }

  /** Creates or replaces the company's WhatsApp number. */
  async upsertWhatsApp(row: typeof whatsappChannels.$inferInsert): Promise<void> {
    await this.db
      .insert(whatsappChannels)
      .values(row)
      .onConflictDoUpdate({
        target: whatsappChannels.companyId,
        set: {
          phoneNumberId: row.phoneNumberId,
          accessToken: row.accessToken,
          appSecret: row.appSecret,
          verifyTokenHash: row.verifyTokenHash,
          businessAccountId: row.businessAccountId ?? null,
          updatedAt: row.updatedAt,
        },
      });
  }

  async deleteWhatsApp(companyId: string): Promise<boolean> {
    const deleted = await this.db
      .delete(whatsappChannels)
      .where(eq(whatsappChannels.companyId, companyId))
      .returning({ id: whatsappChannels.id });
    return deleted.length > 0;
  }

  async findWhatsAppOfCompany(companyId: string): Promise<WhatsAppAccount | undefined> {
    const [row] = await this.db.select().from(whatsappChannels).where(eq(whatsappChannels.companyId, companyId));
    return row && toAccount(row);
  }

  /** Phone number ids are unique across companies: a webhook names its tenant by them. */
  async findWhatsAppByPhoneNumberIds(phoneNumberIds: string[]): Promise<WhatsAppAccount[]> {
    if (phoneNumberIds.length === 0) return [];
    const rows = await this.db
      .select()
      .from(whatsappChannels)
      .where(inArray(whatsappChannels.phoneNumberId, phoneNumberIds));
    return rows.map(toAccount);
  }

  /** Business account ids are one company's each: a template webhook names its tenant by it. */
  async findWhatsAppByBusinessAccountIds(businessAccountIds: string[]): Promise<WhatsAppAccount[]> {
    if (businessAccountIds.length === 0) return [];
    const rows = await this.db
      .select()
      .from(whatsappChannels)
      .where(inArray(whatsappChannels.businessAccountId, businessAccountIds));
    return rows.map(toAccount);
  }

  async isVerifyTokenKnown(verifyTokenHash: string): Promise<boolean> {
    const [row] = await this.db
      .select({ id: whatsappChannels.id })
      .from(whatsappChannels)
      .where(eq(whatsappChannels.verifyTokenHash, verifyTokenHash))
      .limit(1);
    return row !== undefined;
  }
}
