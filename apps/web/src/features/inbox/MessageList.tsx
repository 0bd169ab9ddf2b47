import { useLayoutEffect, useRef } from 'react';
import type { MessageDto } from '@switchboard/contracts';
import { useI18n } from '../../shared/i18n/i18n';
import type { ConversationsApi } from './conversations-api';
import { MessageMedia } from './MessageMedia';
import { tickOf } from './thread-model';

const TICKS = { queued: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '!' } as const;

/**
 * The thread, oldest at the top. It stays pinned to the bottom while the agent is there,
 * keeps its place when older messages load above, and loads them when scrolled to the top.
 */
export function MessageList({
  messages,
  hasOlder,
  onLoadOlder,
  meId,
  conversationId,
  conversations,
}: {
  messages: MessageDto[];
  hasOlder: boolean;
  onLoadOlder: () => void;
  meId: string;
  conversationId: string;
  conversations: Pick<ConversationsApi, 'media' | 'retryMedia'>;
}) {
  const { t, dateTime } = useI18n();
  const ref = useRef<HTMLOListElement>(null);
  const previous = useRef({ first: '', last: '', height: 0 });

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
      {messages.map((message) => {
        const tick = tickOf(message);
        const isMine = message.author_id === meId;
        return (
          <li
            key={message.id}
            className={`message message-${message.direction} author-${message.author_type} ${isMine ? 'is-mine' : ''}`}
            data-testid="message"
            data-direction={message.direction}
          >
            <div className="bubble">
              {message.text ? <p className="text">{message.text}</p> : null}
              {message.media ? (
                <MessageMedia
                  media={message.media}
                  conversationId={conversationId}
                  messageId={message.id}
                  conversations={conversations}
                />
              ) : null}
              <span className="meta">
                <time dateTime={message.created_at}>{dateTime(message.created_at)}</time>
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
              {message.status === 'failed' && message.failure_reason ? (
                <span className="error small">{message.failure_reason}</span>
              ) : null}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
