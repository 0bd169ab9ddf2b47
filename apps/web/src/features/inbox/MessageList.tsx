import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { MessageDto } from '@switchboard/contracts';
import { useI18n, type Translate } from '../../shared/i18n/i18n';
import { errorText } from '../../shared/ui/components';
import { isNote } from './canned';
import type { ConversationsApi } from './conversations-api';
import { ContactsCard, LocationCard } from './MessageCards';
import { MessageMedia } from './MessageMedia';
import { tickOf } from './thread-model';
import { failureKey, groupThread, relativeDay, type Author, type AuthorGroup } from './thread-view';

const TICKS = { queued: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '!' } as const;

/**
 * The thread, oldest at the top, as days (a separator each) and runs of one author (named
 * once). It stays pinned to the bottom while the agent is there, keeps its place when
 * older messages load above, and loads them when scrolled to the top.
 */
export function MessageList({
  messages,
  hasOlder,
  onLoadOlder,
  meId,
  contactName,
  agentNames,
  conversationId,
  conversations,
  onRetry,
}: {
  messages: MessageDto[];
  hasOlder: boolean;
  onLoadOlder: () => void;
  meId: string;
  contactName: string | null;
  agentNames: Readonly<Record<string, string>>;
  conversationId: string;
  conversations: Pick<ConversationsApi, 'media' | 'retryMedia'> & Partial<Pick<ConversationsApi, 'start'>>;
  /** Sends a failed outbound message again; absent where the agent may not. */
  onRetry?: ((messageId: string) => Promise<void>) | undefined;
}) {
  const { t, locale } = useI18n();
  const ref = useRef<HTMLOListElement>(null);
  const previous = useRef({ first: '', last: '', height: 0 });
  const days = useMemo(
    () => groupThread(messages, { meId, contactName, agentNames }),
    [messages, meId, contactName, agentNames],
  );
  const dayFormat = useMemo(
    () => new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }),
    [locale],
  );

  useLayoutEffect(() => {
    const list = ref.current;
    if (!list) return;
    const first = messages[0]?.id ?? '';
    const last = messages[messages.length - 1]?.id ?? '';
    const before = previous.current;
    const wasAtBottom = before.height === 0 || list.scrollTop + list.clientHeight >= before.height - 48;
    if (first !== before.first && last === before.last && before.height > 0) {
      // Older messages were added above: keep what the agent was reading in place.
      list.scrollTop += list.scrollHeight - before.height;
    } else if (wasAtBottom || last !== before.last) {
      list.scrollTop = list.scrollHeight;
    }
    previous.current = { first, last, height: list.scrollHeight };
  }, [messages]);

  const dayLabel = (day: string) => {
    const relative = relativeDay(day, new Date());
    if (relative) return t(`thread.${relative}`);
    const [year, month, date] = day.split('-').map(Number);
    return dayFormat.format(new Date(year ?? 1970, (month ?? 1) - 1, date ?? 1));
  };

  return (
    <ol
      ref={ref}
      className="thread"
      data-testid="thread"
      aria-label={t('conversation.messages')}
      tabIndex={0}
      onScroll={(event) => {
        if (hasOlder && event.currentTarget.scrollTop < 40) onLoadOlder();
      }}
    >
      {hasOlder ? (
        <li className="older">
          <button type="button" className="link" onClick={onLoadOlder} data-testid="load-older">
            {t('conversation.load_older')}
          </button>
        </li>
      ) : null}
      {days.flatMap((day) => [
        <li key={`day-${day.day}`} className="day-separator" data-testid="day-separator" data-day={day.day}>
          <span>{dayLabel(day.day)}</span>
        </li>,
        ...day.groups.map((group) => (
          <MessageGroup
            key={group.key}
            group={group}
            conversationId={conversationId}
            conversations={conversations}
            onRetry={onRetry}
          />
        )),
      ])}
    </ol>
  );
}

export function authorLabel(t: Translate, author: Author): string {
  if (author.kind === 'contact') return author.name ?? t('author.contact');
  if (author.kind === 'agent') return author.name ?? t('author.agent');
  return t(`author.${author.kind}`);
}

function MessageGroup({
  group,
  conversationId,
  conversations,
  onRetry,
}: {
  group: AuthorGroup;
  conversationId: string;
  conversations: Pick<ConversationsApi, 'media' | 'retryMedia'> & Partial<Pick<ConversationsApi, 'start'>>;
  onRetry: ((messageId: string) => Promise<void>) | undefined;
}) {
  const { t } = useI18n();
  return (
    <li
      className={`message-group side-${group.side} author-${group.author.kind}`}
      data-testid="message-group"
      data-author={group.author.kind}
    >
      <p className="group-author" data-testid="message-author">
        {authorLabel(t, group.author)}
      </p>
      <ol className="group-messages">
        {group.messages.map((message) => (
          <MessageBubble
            key={message.id}
            message={message}
            conversationId={conversationId}
            conversations={conversations}
            onRetry={onRetry}
          />
        ))}
      </ol>
    </li>
  );
}

function MessageBubble({
  message,
  conversationId,
  conversations,
  onRetry,
}: {
  message: MessageDto;
  conversationId: string;
  conversations: Pick<ConversationsApi, 'media' | 'retryMedia'> & Partial<Pick<ConversationsApi, 'start'>>;
  onRetry: ((messageId: string) => Promise<void>) | undefined;
}) {
  const { t, time } = useI18n();
  const [isRetrying, setIsRetrying] = useState(false);
  const [retryError, setRetryError] = useState<unknown>(null);
  const tick = tickOf(message);
  // The card shows what the stored text says (WhatsApp's summary, in English).
  const hasCard = message.content?.kind === 'location' || message.content?.kind === 'contacts';
  const isFailed = message.status === 'failed';

  const retry = async () => {
    if (!onRetry) return;
    setIsRetrying(true);
    setRetryError(null);
    try {
      await onRetry(message.id);
    } catch (failure) {
      setRetryError(failure);
    } finally {
      setIsRetrying(false);
    }
  };

  return (
    <li
      className={`message message-${message.direction} author-${message.author_type} ${isFailed ? 'is-failed' : ''}`}
      data-testid="message"
      data-direction={message.direction}
      data-status={message.status ?? undefined}
      data-note={isNote(message) ? 'true' : undefined}
    >
      <div className="bubble">
        {isNote(message) ? <span className="note-marker">🔒 {t('note.marker')}</span> : null}
        {message.reply_to ? (
          <p className="quote muted" data-testid="reply-quote">
            ↩ {t('message.reply_to')}
          </p>
        ) : null}
        {message.text && !hasCard ? <p className="text">{message.text}</p> : null}
        {message.content?.kind === 'location' ? <LocationCard content={message.content} /> : null}
        {message.content?.kind === 'contacts' ? (
          <ContactsCard content={message.content} onStartConversation={conversations.start} />
        ) : null}
        {message.content?.kind === 'unsupported' ? (
          <p className="muted">{t('message.unsupported', { type: message.content.whatsapp_type })}</p>
        ) : null}
        {message.media ? (
          <MessageMedia
            media={message.media}
            conversationId={conversationId}
            messageId={message.id}
            conversations={conversations}
          />
        ) : null}
        <span className="meta">
          <time dateTime={message.created_at}>{time(message.created_at)}</time>
          {tick ? (
            <span
              className={`tick tick-${tick}`}
              data-testid="tick"
              data-status={tick}
              title={t(`delivery.${tick}`)}
              aria-label={t(`delivery.${tick}`)}
            >
              {TICKS[tick]}
            </span>
          ) : null}
        </span>
      </div>
      {isFailed ? (
        <div className="message-failure" role="alert">
          <span data-testid="failure-reason" title={message.failure_reason ?? undefined}>
            {t('message.not_sent', { reason: t(failureKey(message.failure_reason)) })}
          </span>
          {onRetry ? (
            <button
              type="button"
              className="link"
              onClick={() => void retry()}
              disabled={isRetrying}
              data-testid="retry-message"
            >
              {t('message.retry')}
            </button>
          ) : null}
          {retryError ? <span className="error small">{errorText(t, retryError)}</span> : null}
        </div>
      ) : null}
    </li>
  );
}
