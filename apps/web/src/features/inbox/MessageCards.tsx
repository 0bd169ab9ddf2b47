/**
 * A location or contacts a customer shared, as cards in the thread. The map is a link to
 * OpenStreetMap at the coordinates: no tiles are loaded in the console (its CSP allows no
 * third-party images, and a customer's whereabouts go to no one until the agent asks). A
 * shared contact can be called or written to on WhatsApp (a conversation started with them).
 */
import { useState } from 'react';
import type { MessageContentDto } from '@switchboard/contracts';
import { hrefOf } from '../../app/router';
import { useI18n } from '../../shared/i18n/i18n';
import { errorText } from '../../shared/ui/components';
import { mapLinkOf, phoneForWhatsApp } from './message-cards-model';
import './message-cards.css';

type LocationContent = Extract<MessageContentDto, { kind: 'location' }>;
type ContactsContent = Extract<MessageContentDto, { kind: 'contacts' }>;

export interface StartConversation {
  (input: { name: string; phone: string }): Promise<{ id: string }>;
}

export function LocationCard({ content }: { content: LocationContent }) {
  const { t } = useI18n();
  const coordinates = `${content.latitude.toFixed(5)}, ${content.longitude.toFixed(5)}`;
  return (
    <div className="message-card location-card" data-testid="location-card">
      <strong>📍 {content.name ?? t('card.location')}</strong>
      {content.address ? <span>{content.address}</span> : null}
      <span className="muted small">{coordinates}</span>
      <a href={mapLinkOf(content.latitude, content.longitude)} target="_blank" rel="noopener noreferrer">
        {t('card.open_map')}
      </a>
    </div>
  );
}

export function ContactsCard({
  content,
  onStartConversation,
}: {
  content: ContactsContent;
  onStartConversation: StartConversation | undefined;
}) {
  return (
    <div className="message-cards">
      {content.contacts.map((contact, index) => (
        <SharedContactCard key={index} contact={contact} onStartConversation={onStartConversation} />
      ))}
    </div>
  );
}

function SharedContactCard({
  contact,
  onStartConversation,
}: {
  contact: ContactsContent['contacts'][number];
  onStartConversation: StartConversation | undefined;
}) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [isStarting, setIsStarting] = useState(false);
  const whatsapp = contact.phones.map(phoneForWhatsApp).find((p) => p !== undefined);

  const start = async () => {
    if (!onStartConversation || !whatsapp) return;
    setIsStarting(true);
    setError(null);
    try {
      const conversation = await onStartConversation({ name: contact.name || whatsapp, phone: whatsapp });
      window.location.hash = hrefOf({ name: 'inbox', conversationId: conversation.id });
    } catch (failure) {
      setError(failure);
    } finally {
      setIsStarting(false);
    }
  };

  return (
    <div className="message-card contact-card" data-testid="contact-card">
      <strong>👤 {contact.name || t('card.contact')}</strong>
      {contact.phones.map((phone) => (
        <span key={phone.phone}>
          <a href={`tel:${phone.phone.replace(/[^\d+]/g, '')}`} aria-label={t('card.call', { phone: phone.phone })}>
            📞 {phone.phone}
          </a>
          {phone.type ? <span className="muted small"> · {phone.type}</span> : null}
        </span>
      ))}
      {contact.emails.map((email) => (
        <span key={email} className="muted small">
          {email}
        </span>
      ))}
      {onStartConversation && whatsapp ? (
        <button type="button" className="link" onClick={() => void start()} disabled={isStarting}>
          {t('card.start_whatsapp')}
        </button>
      ) : null}
      {error ? (
        <span className="error small" role="alert">
          {errorText(t, error)}
        </span>
      ) : null}
    </div>
  );
}
