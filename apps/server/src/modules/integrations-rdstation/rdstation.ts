/**
 * RD Station Marketing conversions as rules: which of our events is which trigger, and the
 * conversion body of RD Station's public API (`POST /platform/conversions?api_key=…`,
 * `{event_type: "CONVERSION", event_family: "CDP", payload: {conversion_identifier, email, …}}`).
 * RD Station needs an e-mail to attribute a conversion: an event whose contact has none
 * makes no conversion.
 */
export const RD_TRIGGERS = [
  'contact_created',
  'conversation_closed',
  'conversation_rated',
  'call_answered',
  'call_abandoned',
] as const;
export type RdTrigger = (typeof RD_TRIGGERS)[number];

export const RD_MAPPABLE_FIELDS = [
  'contact_name',
  'contact_email',
  'contact_phone',
  'conversation_rating',
  'conversation_feedback',
  'conversation_channel',
  'disposition',
  'call_direction',
  'call_duration_seconds',
  'queue_wait_seconds',
] as const;
export type RdMappableField = (typeof RD_MAPPABLE_FIELDS)[number];

export interface RdConversionSetting {
  trigger: RdTrigger;
  conversion_identifier: string;
}

export interface RdSettings {
  id: string;
  companyId: string;
  apiToken: string;
  isActive: boolean;
  conversions: RdConversionSetting[];
  fieldMapping: Partial<Record<RdMappableField, string>>;
  updatedAt: Date;
}

/** What an event tells about the contact and the interaction, in our names. */
export type RdFacts = Partial<Record<RdMappableField, string | number | null>> & {
  contact_email: string | null;
  contact_name: string | null;
  contact_phone: string | null;
};

export interface RdConversionBody {
  event_type: 'CONVERSION';
  event_family: 'CDP';
  payload: Record<string, string | number>;
}

/**
 * The trigger of one of our domain events, or undefined. An answered call converts once it
 * is over (ended or transferred after an answer), so the conversion carries its duration;
 * it is sent once the call's wrap-up has run out, with the disposition given by then.
 */
export function triggerOf(name: string, data: Record<string, unknown>): RdTrigger | undefined {
  if (name === 'contact.created') return 'contact_created';
  if (name === 'conversation.closed') return 'conversation_closed';
  // The customer's answer to the rating question sent at close (and their comment after it).
  if (name === 'conversation.rated') return 'conversation_rated';
  if ((name === 'call.ended' || name === 'call.transferred') && typeof data.answered_at === 'string') {
    return 'call_answered';
  }
  if (name === 'entry.abandoned' && data.channel === 'voice') return 'call_abandoned';
  return undefined;
}

/**
 * The conversion: identifier, e-mail, name and phone in RD's own fields, then each mapped
 * field (our name → RD's field, e.g. `conversation_rating` → `cf_nota_atendimento`).
 */
export function conversionOf(
  identifier: string,
  facts: RdFacts,
  mapping: Partial<Record<RdMappableField, string>>,
): RdConversionBody | undefined {
  if (!facts.contact_email) return undefined;
  const payload: Record<string, string | number> = { conversion_identifier: identifier, email: facts.contact_email };
  if (facts.contact_name) payload.name = facts.contact_name;
  if (facts.contact_phone) payload.mobile_phone = facts.contact_phone;
  for (const [ours, theirs] of Object.entries(mapping) as [RdMappableField, string][]) {
    const value = facts[ours];
    if (value !== undefined && value !== null && value !== '') payload[theirs] = value;
  }
  return { event_type: 'CONVERSION', event_family: 'CDP', payload };
}

/** The conversation or call a conversion's disposition is read from. */
export function dispositionItemOf(
  trigger: RdTrigger,
  data: Record<string, unknown>,
): { kind: 'conversation' | 'call'; id: string } | undefined {
  const id = typeof data.id === 'string' ? data.id : undefined;
  if (!id) return undefined;
  if (trigger === 'conversation_closed' || trigger === 'conversation_rated') return { kind: 'conversation', id };
  if (trigger === 'call_answered') return { kind: 'call', id };
  return undefined;
}
