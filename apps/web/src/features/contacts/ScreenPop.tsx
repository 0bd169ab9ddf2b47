/**
 * Screen pop: who is calling, before answer. The server sends `call_contact_identified`
 * (the contact's name, labels, last conversations, open conversation) to the agent offered
 * or rung for a call; it shows on the softphone panel until the call is answered, which
 * opens the contact's conversation (or their card when none is open), or ends.
 */
import { contactSummarySchema, type ContactSummaryDto } from '@switchboard/contracts';
import { useState } from 'react';
import { hrefOf, navigate } from '../../app/router';
import { useRealtimeEvent } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';

interface Pop {
  callId: string;
  contact: ContactSummaryDto;
}

export function ScreenPop() {
  const { t } = useI18n();
  const [pop, setPop] = useState<Pop | null>(null);
  useRealtimeEvent<{ call_id?: unknown; contact?: unknown }>('call_contact_identified', ({ data }) => {
    const contact = contactSummarySchema.safeParse(data.contact);
    if (typeof data.call_id === 'string' && contact.success) setPop({ callId: data.call_id, contact: contact.data });
  });
  useRealtimeEvent<{ id?: unknown; call_id?: unknown; status?: unknown }>(
    ['call_answered', 'call_ended', 'offer_expired', 'offer_cancelled', 'offer_rejected'],
    ({ event, data }) => {
      if (!pop || (data.call_id !== pop.callId && data.id !== pop.callId)) return;
      if (event === 'call_answered') {
        const conversationId = pop.contact.open_conversation_id;
        navigate(
          conversationId ? { name: 'inbox', conversationId } : { name: 'contacts', contactId: pop.contact.contact_id },
        );
      }
      setPop(null);
    },
  );
  if (!pop) return null;
  const { contact } = pop;
  return (
    <section className="screen-pop" aria-label={t('contacts.screen_pop')} data-testid="screen-pop">
      <p>
        <strong data-testid="screen-pop-name">{contact.name ?? contact.phone ?? t('contacts.unnamed')}</strong>
        {contact.name && contact.phone ? <span className="muted"> · {contact.phone}</span> : null}
      </p>
      {contact.labels.length > 0 ? (
        <p className="contact-labels">
          {contact.labels.map((label) => (
            <span key={label.id} className="label-chip" style={{ borderColor: label.colour }}>
              {label.name}
            </span>
          ))}
        </p>
      ) : null}
      <ul className="screen-pop-recent">
        {contact.recent_conversations.map((c) => (
          <li key={c.conversation_id}>
            <a href={hrefOf({ name: 'inbox', conversationId: c.conversation_id })}>
              {c.channel} · {c.last_message_preview ?? '—'}
            </a>
          </li>
        ))}
      </ul>
      <a href={hrefOf({ name: 'contacts', contactId: contact.contact_id })}>{t('contacts.open_card')}</a>
    </section>
  );
}
