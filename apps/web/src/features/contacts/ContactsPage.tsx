/**
 * Contacts: search, one contact's card (identities, attributes, labels; contact-card.tsx,
 * shared with the panel beside a conversation) with its merged
 * timeline (messages, calls with their recording, voicemails, intercom transcripts, notes),
 * edit and merge. The timeline's audio needs the bearer token: fetched as a Blob on demand.
 */
import { useEffect, useMemo, useState } from 'react';
import { hrefOf } from '../../app/router';
import { useApi } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { Empty, ErrorMessage, Loading } from '../../shared/ui/components';
import { useAsync } from '../../shared/ui/hooks';
import { ContactEditor, ContactIdentities, ContactLabels } from './contact-card';
import { contactsApi, type ContactRecordDto, type TimelineItemDto } from './contacts-api';

export function ContactsPage({ contactId }: { contactId: string | undefined }) {
  const api = useApi();
  const { t } = useI18n();
  const contacts = useMemo(() => contactsApi(api), [api]);
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState('');
  const list = useAsync((signal) => contacts.list(search, null, signal), `contacts:${search}`);
  return (
    <div className="contacts-page" data-testid="contacts-page">
      <section className="contacts-list" aria-label={t('contacts.title')}>
        <h1>{t('contacts.title')}</h1>
        <form
          role="search"
          onSubmit={(event) => {
            event.preventDefault();
            setSearch(query);
          }}
        >
          <label>
            {t('contacts.search')}
            <input
              type="search"
              value={query}
              onChange={(event) => setQuery(event.target.value)}
              data-testid="contacts-search"
            />
          </label>
          <button type="submit">{t('contacts.search_button')}</button>
        </form>
        {list.isLoading ? <Loading /> : null}
        <ErrorMessage error={list.error} />
        {list.data && list.data.items.length === 0 ? <Empty>{t('contacts.none')}</Empty> : null}
        <ul className="contacts-items">
          {list.data?.items.map((contact) => (
            <li key={contact.id}>
              <a
                href={hrefOf({ name: 'contacts', contactId: contact.id })}
                className={contact.id === contactId ? 'is-active' : ''}
                data-testid="contact-link"
              >
                <strong>{contact.name ?? contact.phone ?? contact.email ?? t('contacts.unnamed')}</strong>
                <span className="muted"> {contact.phone ?? contact.email ?? ''}</span>
              </a>
            </li>
          ))}
        </ul>
      </section>
      {contactId ? (
        <ContactCard key={contactId} contactId={contactId} onChanged={list.reload} />
      ) : (
        <Empty>{t('contacts.pick')}</Empty>
      )}
    </div>
  );
}

function ContactCard({ contactId, onChanged }: { contactId: string; onChanged: () => void }) {
  const api = useApi();
  const { t } = useI18n();
  const contacts = useMemo(() => contactsApi(api), [api]);
  const contact = useAsync((signal) => contacts.get(contactId, signal), `contact:${contactId}`);
  const [mergeQuery, setMergeQuery] = useState('');
  const [candidates, setCandidates] = useState<ContactRecordDto[]>([]);
  const [error, setError] = useState<unknown>(null);

  if (contact.isLoading && !contact.data) return <Loading />;
  if (!contact.data) return <ErrorMessage error={contact.error} />;
  const c = contact.data;

  const findCandidates = async () => {
    setError(null);
    try {
      const page = await contacts.list(mergeQuery, null);
      setCandidates(page.items.filter((other) => other.id !== contactId));
    } catch (failure) {
      setError(failure);
    }
  };
  const merge = async (otherId: string) => {
    setError(null);
    try {
      await contacts.merge(contactId, otherId);
      setCandidates([]);
      contact.reload();
      onChanged();
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <section className="contact-card" aria-label={c.name ?? t('contacts.unnamed')} data-testid="contact-card">
      <h2>{c.name ?? t('contacts.unnamed')}</h2>
      <ContactLabels labels={c.labels} />
      <ContactEditor
        key={c.id}
        contact={c}
        onSaved={() => {
          contact.reload();
          onChanged();
        }}
      />
      <ContactIdentities contact={c} />
      <details className="contact-merge">
        <summary>{t('contacts.merge')}</summary>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void findCandidates();
          }}
        >
          <label>
            {t('contacts.merge_search')}
            <input
              type="search"
              value={mergeQuery}
              onChange={(event) => setMergeQuery(event.target.value)}
              data-testid="merge-search"
            />
          </label>
          <button type="submit">{t('contacts.search_button')}</button>
        </form>
        <ul>
          {candidates.map((other) => (
            <li key={other.id}>
              {other.name ?? other.phone ?? other.email ?? t('contacts.unnamed')}{' '}
              <button type="button" onClick={() => void merge(other.id)} data-testid="merge-into">
                {t('contacts.merge_here')}
              </button>
            </li>
          ))}
        </ul>
      </details>
      <ErrorMessage error={error} />
      <Timeline contactId={contactId} />
    </section>
  );
}

function Timeline({ contactId }: { contactId: string }) {
  const api = useApi();
  const { t } = useI18n();
  const contacts = useMemo(() => contactsApi(api), [api]);
  const page = useAsync((signal) => contacts.timeline(contactId, null, signal), `timeline:${contactId}`);
  return (
    <section className="contact-timeline" aria-label={t('contacts.timeline')}>
      <h3>{t('contacts.timeline')}</h3>
      {page.isLoading ? <Loading /> : null}
      <ErrorMessage error={page.error} />
      {page.data && page.data.items.length === 0 ? <Empty>{t('contacts.timeline_empty')}</Empty> : null}
      <ol className="timeline-items">
        {page.data?.items.map((item) => (
          <TimelineEntry key={`${item.type}:${item.id}`} item={item} />
        ))}
      </ol>
    </section>
  );
}

function TimelineEntry({ item }: { item: TimelineItemDto }) {
  const { t, dateTime } = useI18n();
  const when = <time dateTime={item.at}>{dateTime(item.at)}</time>;
  if (item.call) {
    const call = item.call;
    return (
      <li className="timeline-call" data-testid="timeline-call">
        {when} <strong>{t(call.direction === 'outbound' ? 'contacts.call_out' : 'contacts.call_in')}</strong> ·{' '}
        {call.agent_name ?? '—'}
        {call.queue_name ? ` · ${call.queue_name}` : ''}
        {call.talk_seconds !== null ? ` · ${t('contacts.talk', { seconds: call.talk_seconds })}` : ''}
        {call.disposition ? ` · ${call.disposition.label}` : ''}
        {call.recording_url ? <AudioOnDemand url={call.recording_url} /> : null}
      </li>
    );
  }
  if (item.voicebot_call) {
    return (
      <li className="timeline-intercom" data-testid="timeline-intercom">
        {when} <strong>{t('contacts.intercom')}</strong> · {item.voicebot_call.outcome ?? item.voicebot_call.status}
        <ul>
          {item.voicebot_call.transcript.map((line, index) => (
            <li key={index}>
              <span className="muted">{line.who}:</span> {line.text}
            </li>
          ))}
        </ul>
      </li>
    );
  }
  if (item.note) {
    return (
      <li className="timeline-note">
        {when} <strong>{t('contacts.note')}</strong> {item.note.body}
      </li>
    );
  }
  const message = item.message;
  return (
    <li className={`timeline-${item.type}`} data-testid={`timeline-${item.type}`}>
      {when} <span className="muted">{item.channel ?? ''}</span>{' '}
      {item.type === 'voicemail' ? <strong>{t('contacts.voicemail')}</strong> : null} {message?.text ?? ''}
      {message?.media_url && (message.media_kind === 'audio' || item.type === 'voicemail') ? (
        <AudioOnDemand url={message.media_url} />
      ) : null}
      {item.conversation_id ? (
        <>
          {' '}
          <a href={hrefOf({ name: 'inbox', conversationId: item.conversation_id })}>
            {t('contacts.open_conversation')}
          </a>
        </>
      ) : null}
    </li>
  );
}

function AudioOnDemand({ url }: { url: string }) {
  const api = useApi();
  const { t } = useI18n();
  const [objectUrl, setObjectUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(
    () => () => {
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    },
    [objectUrl],
  );
  const load = async () => {
    setError(null);
    try {
      setObjectUrl(URL.createObjectURL(await contactsApi(api).audio(url)));
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <span className="timeline-audio">
      {objectUrl ? (
        <audio controls src={objectUrl} data-testid="timeline-audio">
          {t('contacts.listen')}
        </audio>
      ) : (
        <button type="button" onClick={() => void load()} data-testid="timeline-audio-load">
          ▶ {t('contacts.listen')}
        </button>
      )}
      <ErrorMessage error={error} />
    </span>
  );
}
