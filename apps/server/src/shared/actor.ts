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
