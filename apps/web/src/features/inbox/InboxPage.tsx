/**
 * The inbox: conversations with the API's filters, live over Socket.IO (no polling), with
 * unread counts, beside the open conversation (one or the other on a phone). On a tab that
 * lists conversations nobody owns, an agent's console watches the `unassigned` topic and
 * loads the list once the watch is answered (inbox-tab.ts, ADR 31).
 */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import {
  conversationChannels,
  conversationStatuses,
  type ConversationDto,
  type ConversationEventDto,
  type MessageDto,
} from '@switchboard/contracts';
import { hrefOf } from '../../app/router';
import { useApi, useCurrentUser, useRealtimeEvent, useResync, useWatch } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { Empty, ErrorMessage, Loading } from '../../shared/ui/components';
import { LoadMore } from '../../shared/ui/DataTable';
import { useMediaQuery, useNow } from '../../shared/ui/hooks';
import type { LabelDto } from '@switchboard/contracts';
import { QueueView } from '../desk/QueueView';
import { ConversationView } from './ConversationView';
import { productivityApi } from './productivity-api';
import { conversationsApi } from './conversations-api';
import { emptyInbox, inboxReducer, type InboxFilter } from './inbox-model';
import { INBOX_TABS, rememberedTab, rememberTab, watchesUnassigned } from './inbox-tab';
import { useLastRead } from './last-read';
import {
  filterForSearch,
  filterForTab,
  formatWaiting,
  sortWaiting,
  waitingSince,
  type RememberedStatus,
} from './waiting';

const CONVERSATION_EVENTS = [
  'conversation_created',
  'conversation_updated',
  'conversation_assigned',
  'conversation_closed',
] as const;

export function InboxPage({ conversationId }: { conversationId: string | undefined }) {
  const api = useApi();
  const user = useCurrentUser();
  const { t } = useI18n();
  const isPhone = useMediaQuery('(max-width: 760px)');
  const conversations = useMemo(() => conversationsApi(api), [api]);
  const [filter, setFilter] = useState<InboxFilter>(() => filterForTab({ status: 'open' }, rememberedTab(user.id)));
  const [search, setSearch] = useState('');
  const [state, dispatch] = useReducer(inboxReducer, emptyInbox);
  const [error, setError] = useState<unknown>(null);
  const [isLoading, setIsLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const [isQueueOpen, setIsQueueOpen] = useState(false);
  const [labels, setLabels] = useState<LabelDto[]>([]);
  useEffect(() => {
    productivityApi(api)
      .labels()
      .then(setLabels, () => undefined);
  }, [api]);
  const persistRead = useCallback(
    (conversationId: string) => void conversations.markRead(conversationId).catch(() => undefined),
    [conversations],
  );
  const { lastRead, markRead } = useLastRead(user.id, persistRead);
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const remembered = useRef<RememberedStatus>(null);
  const watched = useWatch('unassigned', watchesUnassigned(user.role, filter.filter));

  useEffect(() => {
    const timer = setTimeout(() => {
      const next = filterForSearch(filterRef.current, search.trim() || undefined, remembered.current);
      remembered.current = next.remembered;
      setFilter(next.filter);
    }, 250);
    return () => clearTimeout(timer);
  }, [search]);

  useEffect(() => {
    setIsLoading(true);
    // The watch is not answered yet: its answer loads the list, so no event falls before it.
    if (watched === 0) return;
    const controller = new AbortController();
    conversations.list(filter, null, controller.signal).then(
      (page) => {
        dispatch({ type: 'loaded', items: page.items, nextCursor: page.next_cursor, isNextPage: false, lastRead });
        setError(null);
        setIsLoading(false);
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        setError(failure);
        setIsLoading(false);
      },
    );
    return () => controller.abort();
    // lastRead only seeds unread dots; it must not reload the list (so it is not a dependency).
  }, [conversations, filter, generation, watched]);

  const loadMore = async () => {
    if (!state.nextCursor) return;
    try {
      const page = await conversations.list(filter, state.nextCursor);
      dispatch({ type: 'loaded', items: page.items, nextCursor: page.next_cursor, isNextPage: true, lastRead });
    } catch (failure) {
      setError(failure);
    }
  };

  const onConversation = useCallback(
    (conversation: ConversationEventDto | ConversationDto) =>
      dispatch({ type: 'conversation_changed', conversation, filter: filterRef.current, meId: user.id }),
    [user.id],
  );

  useRealtimeEvent<ConversationEventDto>(CONVERSATION_EVENTS, ({ data }) => onConversation(data));
  useRealtimeEvent<MessageDto>('message_created', ({ data }) => {
    dispatch({ type: 'message_created', message: data, openConversationId: conversationId ?? null });
    if (data.conversation_id === conversationId) markRead(conversationId);
    if (!state.items.some((item) => item.id === data.conversation_id)) {
      // A conversation this list has not loaded (older page, or just created): fetch it.
      conversations.get(data.conversation_id).then(onConversation, () => undefined);
    }
  });
  useResync(() => setGeneration((n) => n + 1));

  useEffect(() => {
    if (!conversationId) return;
    dispatch({ type: 'opened', conversationId });
    markRead(conversationId);
  }, [conversationId, markRead, state.unread]);

  const isWaitingList = filter.filter === 'awaiting_human';
  const items = isWaitingList ? sortWaiting(state.items) : state.items;
  const showList = !isPhone || !conversationId;
  const showConversation = !isPhone || conversationId !== undefined;
  return (
    <div className="inbox" data-testid="inbox">
      {showList ? (
        <section className="inbox-list" aria-labelledby="inbox-title">
          <h1 id="inbox-title" className="visually-hidden">
            {t('inbox.title')}
          </h1>
          <div className="tabs" role="group" aria-label={t('inbox.filters')}>
            {INBOX_TABS.map((tab) => (
              <button
                key={tab ?? 'all'}
                type="button"
                aria-pressed={filter.filter === tab}
                className={filter.filter === tab ? 'tab is-active' : 'tab'}
                onClick={() => {
                  rememberTab(user.id, tab);
                  setFilter((f) => filterForTab(f, tab));
                }}
                data-testid={`inbox-tab-${tab ?? 'all'}`}
              >
                {t(`inbox.filter.${tab ?? 'all'}`)}
              </button>
            ))}
          </div>
          <details
            className="queue-panel"
            data-testid="queue-panel"
            onToggle={(event) => setIsQueueOpen(event.currentTarget.open)}
          >
            <summary>{t('queueview.title')}</summary>
            {/* Mounted only while open: it watches the unassigned conversations (ADR 31). */}
            {isQueueOpen ? <QueueView /> : null}
          </details>
          <div className="inbox-filters">
            <input
              type="search"
              value={search}
              onChange={(event) => setSearch(event.target.value)}
              placeholder={t('inbox.search')}
              aria-label={t('inbox.search')}
            />
            <select
              value={filter.status ?? ''}
              aria-label={t('inbox.status')}
              onChange={(event) => {
                // Picked while searching: it narrows this search and stays after it.
                remembered.current = null;
                setFilter((f) => ({
                  ...f,
                  status: (event.target.value || undefined) as InboxFilter['status'],
                }));
              }}
              data-testid="inbox-status"
            >
              <option value="">{t('inbox.any_status')}</option>
              {conversationStatuses.map((status) => (
                <option key={status} value={status}>
                  {t(`conversation.status.${status}`)}
                </option>
              ))}
            </select>
            <select
              value={filter.channel ?? ''}
              aria-label={t('inbox.channel')}
              onChange={(event) =>
                setFilter((f) => ({
                  ...f,
                  channel: (event.target.value || undefined) as InboxFilter['channel'],
                }))
              }
            >
              <option value="">{t('inbox.any_channel')}</option>
              {conversationChannels.map((channel) => (
                <option key={channel} value={channel}>
                  {t(`channel.${channel}`)}
                </option>
              ))}
            </select>
            {labels.length > 0 ? (
              <select
                value={filter.label ?? ''}
                aria-label={t('labels.filter')}
                onChange={(event) => setFilter((f) => ({ ...f, label: event.target.value || undefined }))}
                data-testid="inbox-label"
              >
                <option value="">{t('labels.any')}</option>
                {labels.map((label) => (
                  <option key={label.id} value={label.id}>
                    {label.name}
                  </option>
                ))}
              </select>
            ) : null}
          </div>
          {filter.q && !filter.status ? (
            <p className="muted small search-scope" role="status" data-testid="search-all-statuses">
              {t('inbox.searching_all')}
            </p>
          ) : null}
          <ErrorMessage error={error} />
          {isLoading && state.items.length === 0 ? <Loading /> : null}
          {!isLoading && state.items.length === 0 ? <Empty>{t('inbox.empty')}</Empty> : null}
          <ul className="conversation-list" data-testid="conversation-list">
            {items.map((conversation) => (
              <ConversationRow
                key={conversation.id}
                conversation={conversation}
                unread={state.unread[conversation.id]}
                isSelected={conversation.id === conversationId}
                meId={user.id}
              />
            ))}
          </ul>
          <LoadMore hasMore={state.nextCursor !== null} onLoadMore={() => void loadMore()} />
        </section>
      ) : null}
      {showConversation ? (
        <section className="inbox-conversation" aria-label={t('conversation.title')}>
          {conversationId ? (
            <ConversationView
              key={conversationId}
              conversationId={conversationId}
              onChanged={onConversation}
              onFavorite={(id, favorite) =>
                dispatch({ type: 'favorite_changed', conversationId: id, favorite, filter })
              }
              showBack={isPhone}
            />
          ) : (
            <Empty>{t('inbox.pick')}</Empty>
          )}
        </section>
      ) : null}
    </div>
  );
}

function ConversationRow({
  conversation,
  unread,
  isSelected,
  meId,
}: {
  conversation: ConversationDto;
  unread: number | undefined;
  isSelected: boolean;
  meId: string;
}) {
  const { t, time } = useI18n();
  const now = useNow(30_000);
  const contact = conversation.contact.name ?? conversation.contact.phone ?? conversation.contact.email ?? '—';
  const isWaiting =
    conversation.awaiting_human && conversation.assignee_id === null && conversation.status !== 'resolved';
  return (
    <li>
      <a
        href={hrefOf({ name: 'inbox', conversationId: conversation.id })}
        className={`conversation-row ${isSelected ? 'is-selected' : ''} ${unread !== undefined ? 'is-unread' : ''}`}
        aria-current={isSelected ? 'page' : undefined}
        data-testid="conversation-row"
        data-conversation-id={conversation.id}
      >
        <span className="row-top">
          <strong className="contact-name">
            {conversation.favorite ? (
              <span className="star" aria-label={t('conversation.favorite')}>
                ★{' '}
              </span>
            ) : null}
            {contact}
          </strong>
          {isWaiting ? (
            <time
              className="waiting-time"
              dateTime={waitingSince(conversation)}
              data-testid="waiting-time"
              title={t('inbox.waiting')}
            >
              {formatWaiting(t, waitingSince(conversation), now)}
            </time>
          ) : (
            <time dateTime={conversation.last_activity_at}>{time(conversation.last_activity_at)}</time>
          )}
        </span>
        <span className="row-bottom">
          <span className="preview">{conversation.last_message_preview ?? ''}</span>
          {unread !== undefined ? (
            <span className="unread" data-testid="unread" aria-label={t('inbox.unread', { count: unread || 1 })}>
              {unread > 0 ? unread : ''}
            </span>
          ) : null}
        </span>
        <span className="row-tags">
          <span className={`tag channel-${conversation.channel}`}>{t(`channel.${conversation.channel}`)}</span>
          {conversation.awaiting_human ? <span className="tag waiting">{t('conversation.awaiting')}</span> : null}
          {conversation.assignee_id === meId ? <span className="tag">{t('conversation.mine')}</span> : null}
          {conversation.status !== 'open' ? (
            <span className="tag">{t(`conversation.status.${conversation.status}`)}</span>
          ) : null}
          {conversation.priority !== 'normal' ? (
            <span className={`tag priority-${conversation.priority}`}>{t(`priority.${conversation.priority}`)}</span>
          ) : null}
        </span>
      </a>
    </li>
  );
}
