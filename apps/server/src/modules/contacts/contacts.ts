/**
 * Contacts: one customer across channels (identities normalized in contacts.identities.ts),
 * who may export and erase them, and the outcome line a call leaves in its conversation.
 */
import type { Actor } from '../../shared/actor.js';
import { ForbiddenError } from '../../shared/errors.js';

export type IdentityKind = 'phone' | 'whatsapp' | 'email' | 'webchat';

export interface IdentityInput {
  kind: IdentityKind;
  value: string;
}

export interface ContactIdentity {
  /** The identity row's id; `phone:primary`/`email:primary` for the contact's own columns. */
  id: string;
  kind: IdentityKind;
  value: string;
}

export interface ContactLabel {
  id: string;
  name: string;
  colour: string;
}

export interface Contact {
  id: string;
  companyId: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  identities: ContactIdentity[];
  customAttributes: Record<string, unknown>;
  labels: ContactLabel[];
  createdAt: Date;
  updatedAt: Date;
}

/** Erasing and exporting are the administrators'. */
export function assertAdmin(actor: Actor, what: string): void {
  if (actor.role !== 'admin') throw new ForbiddenError('contact.forbidden', `Only administrators ${what}.`);
}

/** "3 min 20 s" / "45 s": how long, as the outcome line says it. */
export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return `${rest} s`;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

export interface CallOutcome {
  direction: 'inbound' | 'outbound' | 'internal';
  status: string;
  agentName: string | null;
  talkSeconds: number | null;
  number: string;
}

/** The system line a call leaves in its conversation, in the company's language. */
export function callOutcomeText(outcome: CallOutcome, language: string): string {
  const pt = language.startsWith('pt');
  const answered = outcome.talkSeconds !== null && (outcome.status === 'completed' || outcome.status === 'transferred');
  const duration = outcome.talkSeconds !== null ? ` · ${formatDuration(outcome.talkSeconds)}` : '';
  const agent = outcome.agentName ?? (pt ? 'um atendente' : 'an agent');
  if (outcome.direction === 'outbound') {
    if (answered)
      return pt
        ? `Chamada para ${outcome.number} atendida · ${agent}${duration}`
        : `Call to ${outcome.number} answered · ${agent}${duration}`;
    return pt ? `Chamada para ${outcome.number} não atendida` : `Call to ${outcome.number} not answered`;
  }
  if (answered) {
    const verb =
      outcome.status === 'transferred'
        ? pt
          ? 'transferida por'
          : 'transferred by'
        : pt
          ? 'atendida por'
          : 'answered by';
    return pt ? `Chamada ${verb} ${agent}${duration}` : `Call ${verb} ${agent}${duration}`;
  }
  return pt ? 'Chamada perdida' : 'Missed call';
}
