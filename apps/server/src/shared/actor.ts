/** Who is acting: the authenticated user as every service sees them. */
export const ROLES = ['admin', 'supervisor', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  readonly userId: string;
  readonly companyId: string;
  readonly role: Role;
}

export function isManager(actor: Actor): boolean {
  return actor.role === 'admin' || actor.role === 'supervisor';
}

/**
 * The user to record as the author of a change, or null when an API key acts (a key is no
 * user: records name it through `actedBy`, and the audit log as its actor).
 */
export function authorUserIdOf(actor: Actor): string | null {
  return isApiKeyActing(actor) ? null : actor.userId;
}

/** Who acted, for a record's details: the user, or the API key acting with no user. */
export function actedBy(actor: Actor): { byUserId: string } | { byApiKeyId: string } {
  const apiKeyId = (actor as { apiKeyId?: unknown }).apiKeyId;
  return typeof apiKeyId === 'string' ? { byApiKeyId: apiKeyId } : { byUserId: actor.userId };
}

function isApiKeyActing(actor: Actor): boolean {
  return typeof (actor as { apiKeyId?: unknown }).apiKeyId === 'string';
}
