/**
 * The contact panel beside a conversation: the card (name and custom attributes editable,
 * identities, labels) and the timeline's summary (recent calls with their outcome, the
 * contact's other conversations with their last message, private notes), with a link to
 * the Contacts page. A column beside the conversation on a wide screen; a sheet over it on
 * a phone or a narrow window; read again when a call is answered or ends. The server decides who sees the summary: an agent not
 * handling the contact (403 `contact.not_handling`) sees the card alone.
 */
import { useMemo, useState } from 'react';
import { hrefOf } from '../../app/router';
import { useApi, useCurrentUser, useRealtimeEvent } from '../../app/services';
import { ApiError } from '../../shared/api/api-error';
import { useI18n } from '../../shared/i18n/i18n';
import { Empty, ErrorMessage, Loading } from '../../shared/ui/components';
import { useAsync, useMediaQuery } from '../../shared/ui/hooks';
import { ContactEditor, ContactIdentities, ContactLabels } from './contact-card';
import { contactsApi, type ContactPanelDto, type ContactRecordDto } from './contacts-api';

/** Where the panel is a column rather than a sheet (contacts.css uses the same width). */
const COLUMN_QUERY = '(min-width: 1100px)';

/** Open by default where it is a column, closed where it would cover the conversation. */
export function useContactPanel() {
  const isColumn = useMediaQuery(COLUMN_QUERY);
  const [choice, setChoice] = useState<boolean | null>(null);
  const isOpen = choice ?? isColumn;
  return { isOpen, isColumn, toggle: () => setChoice(!isOpen), close: () => setChoice(false) };
}

export function ContactPanelToggle({ isOpen, onToggle }: { isOpen: boolean; onToggle: () => void }) {
  const { t } = useI18n();
  return (
    <button type="button" aria-expanded={isOpen} onClick={onToggle} data-testid="contact-panel-toggle">
      <span aria-hidden="true">👤</span> {t('contacts.panel')}
    </button>
  );
}

export function ContactPanel({
  contactId,
  conversationId,
  isColumn,
  onClose,
}: {
  contactId: string;
  conversationId: string;
  isColumn: boolean;
  onClose: () => void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const contacts = useMemo(() => contactsApi(api), [api]);
  const panel = useAsync(async (signal): Promise<{ card: ContactRecordDto; summary: ContactPanelDto | null }> => {
    try {
      const summary = await contacts.summary(contactId, signal);
      return { card: summary.contact, summary };
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'contact.not_handling')) throw error;
      return { card: await contacts.get(contactId, signal), summary: null };
    }
  }, `contact-panel:${contactId}`);
  const data = panel.data;
  const user = useCurrentUser();
  // A call of this contact answered or ended changes the summary: read it again. Agents get
  // their own calls' events only; managers get every call's, so theirs are matched by number.
  useRealtimeEvent<{ id?: unknown; from_number?: unknown; to_number?: unknown }>(
    ['call_answered', 'call_ended'],
    ({ data: call }) => {
      if (!data) return;
      const numbers = new Set(data.card.identities.flatMap((i) => (i.kind === 'phone' ? [i.value] : [])));
      const isTheirs =
        numbers.has(String(call.from_number)) ||
        numbers.has(String(call.to_number)) ||
        (data.summary?.calls.some((c) => c.call_id === call.id) ?? false);
      if (isTheirs || user.role === 'agent') panel.reload();
    },
  );
  return (
    <>
      {isColumn ? null : (
        <button
          type="button"
          className="contact-panel-backdrop"
          aria-label={t('common.close')}
          tabIndex={-1}
          onClick={onClose}
        />
      )}
      <aside
        className={isColumn ? 'contact-panel is-column' : 'contact-panel is-sheet'}
        aria-label={t('contacts.panel')}
        data-testid="contact-panel"
      >
        <header className="contact-panel-header">
          <h2>{data ? (data.card.name ?? data.card.phone ?? t('contacts.unnamed')) : t('contacts.panel')}</h2>
          <button type="button" onClick={onClose} data-testid="contact-panel-close">
            {t('common.close')}
          </button>
        </header>
        {panel.isLoading && !data ? <Loading /> : null}
        <ErrorMessage error={panel.error} />
        {data ? (
          <>
            <ContactLabels labels={data.card.labels} />
            <ContactIdentities contact={data.card} />
            <ContactEditor key={data.card.id} contact={data.card} onSaved={panel.reload} />
            {data.summary ? (
              <PanelSummary summary={data.summary} conversationId={conversationId} />
            ) : (
              <p className="muted" data-testid="contact-panel-not-handling">
                {t('contacts.not_handling')}
              </p>
            )}
            <p>
              <a href={hrefOf({ name: 'contacts', contactId })} data-testid="contact-panel-page">
                {t('contacts.open_page')}
              </a>
            </p>
          </>
        ) : null}
      </aside>
    </>
  );
}

/** "3 min 20 s" / "45 s", as the outcome line in the conversation says it. */
export function formatTalk(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return `${rest} s`;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

function PanelSummary({ summary, conversationId }: { summary: ContactPanelDto; conversationId: string }) {
  const { t, dateTime } = useI18n();
  const others = summary.conversations.filter((c) => c.conversation_id !== conversationId);
  return (
    <>
      <section aria-label={t('contacts.recent_calls')}>
        <h3>{t('contacts.recent_calls')}</h3>
        {summary.calls.length === 0 ? <Empty>{t('contacts.no_calls')}</Empty> : null}
        <ul className="contact-panel-list">
          {summary.calls.map((call) => {
            const answered =
              call.talk_seconds !== null && (call.status === 'completed' || call.status === 'transferred');
            const outcome = answered
              ? t('contacts.call_answered', {
                  agent: call.agent_name ?? '—',
                  duration: formatTalk(call.talk_seconds ?? 0),
                })
              : call.status === 'in_progress' || call.status === 'ringing' || call.status === 'initiated'
                ? t('contacts.call_live')
                : t('contacts.call_missed');
            return (
              <li key={call.call_id} data-testid="contact-panel-call">
                <strong>{t(call.direction === 'outbound' ? 'contacts.call_out' : 'contacts.call_in')}</strong> ·{' '}
                {outcome}
                {call.disposition ? ` · ${call.disposition.label}` : ''}
                <br />
                <time className="muted small" dateTime={call.started_at}>
                  {dateTime(call.started_at)}
                </time>
              </li>
            );
          })}
        </ul>
      </section>
      <section aria-label={t('contacts.other_conversations')}>
        <h3>{t('contacts.other_conversations')}</h3>
        {others.length === 0 ? <Empty>{t('contacts.no_other_conversations')}</Empty> : null}
        <ul className="contact-panel-list">
          {others.map((c) => (
            <li key={c.conversation_id} data-testid="contact-panel-conversation">
              <a href={hrefOf({ name: 'inbox', conversationId: c.conversation_id })}>
                {t(`channel.${c.channel}` as 'channel.whatsapp')} ·{' '}
                {t(`conversation.status.${c.status}` as 'conversation.status.open')}
              </a>
              <br />
              <span className="contact-panel-preview">{c.last_message_preview ?? '—'}</span>{' '}
              <time className="muted small" dateTime={c.last_activity_at}>
                {dateTime(c.last_activity_at)}
              </time>
            </li>
          ))}
        </ul>
      </section>
      <section aria-label={t('contacts.notes')}>
        <h3>{t('contacts.notes')}</h3>
        {summary.notes.length === 0 ? <Empty>{t('contacts.no_notes')}</Empty> : null}
        <ul className="contact-panel-list">
          {summary.notes.map((note) => (
            <li key={note.note_id} data-testid="contact-panel-note">
              {note.body}
              <br />
              <time className="muted small" dateTime={note.created_at}>
                {dateTime(note.created_at)}
              </time>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
