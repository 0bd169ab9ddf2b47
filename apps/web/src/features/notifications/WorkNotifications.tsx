/**
 * The notification centre on screen, on every page: toasts, the chime or ring, desktop
 * notifications, and the count in the tab title. Conversation events and the routing
 * engine's offers feed it here (see work-centre.ts); an offer's toast accepts or rejects it.
 * For an agent who picks chats up by hand (in no chat queue) it watches the conversations
 * nobody owns, whose events reach agents only by watching (ADR 31).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { z } from 'zod';
import {
  queueSchema,
  routingOfferSchema,
  type AgentMentioned,
  type ConversationEventDto,
  type QueueDto,
  type RoutingOfferDto,
} from '@switchboard/contracts';
import { hrefOf, navigate, type Route } from '../../app/router';
import { useApi, useConnectionStatus, useCurrentUser, useRealtimeEvent, useWatch } from '../../app/services';
import { useI18n, type Translate } from '../../shared/i18n/i18n';
import { errorText } from '../../shared/ui/components';
import { useNow } from '../../shared/ui/hooks';
import { formatWaiting } from '../inbox/waiting';
import { CHIME, RING, soundUrl } from './alert-sounds';
import {
  emptyWorkCentre,
  pendingCount,
  reduceWork,
  secondsLeft,
  titleWithCount,
  OFFER_EVENTS,
  workFromConversation,
  workFromMention,
  workFromOffer,
  watchesUnassignedWork,
  type WorkAlert,
  type WorkCentreState,
  type WorkEvent,
  type WorkItem,
} from './work-centre';

const CONVERSATION_EVENTS = [
  'conversation_created',
  'conversation_updated',
  'conversation_assigned',
  'conversation_closed',
] as const;

const APP_TITLE = 'Switchboard';

export interface WorkCentre {
  state: WorkCentreState;
  count: number;
  dispatch: (event: WorkEvent) => void;
}

const WorkContext = createContext<WorkCentre | null>(null);

export function useWork(): WorkCentre {
  const value = useContext(WorkContext);
  if (!value) throw new Error('useWork outside WorkNotificationsProvider');
  return value;
}

function routeOf(item: WorkItem): Route {
  return item.target.screen === 'inbox'
    ? { name: 'inbox', conversationId: item.target.conversationId }
    : { name: 'calls', callId: item.target.callId };
}

function kindText(t: Translate, item: WorkItem): string {
  return t(`work.${item.kind}`);
}

export function WorkNotificationsProvider({
  meId,
  viewingId,
  children,
}: {
  meId: string;
  /** The conversation or call on screen: its news is not announced. */
  viewingId: string | null;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const [state, setState] = useState<WorkCentreState>(emptyWorkCentre);
  const current = useRef(state);
  const chime = useRef<HTMLAudioElement>(null);
  const ring = useRef<HTMLAudioElement>(null);
  const [sounds] = useState(() => ({ chime: soundUrl(CHIME), ring: soundUrl(RING) }));
  useEffect(
    () => () => {
      URL.revokeObjectURL(sounds.chime);
      URL.revokeObjectURL(sounds.ring);
    },
    [sounds],
  );
  const translate = useRef(t);
  translate.current = t;

  const alert = useCallback((event: WorkAlert) => {
    const audio = event.sound === 'ring' ? ring.current : chime.current;
    if (audio) {
      audio.currentTime = 0;
      // Refused until the agent has clicked on the page once: the toast and title still tell.
      audio.play().catch(() => undefined);
    }
    showDesktopNotification(translate.current, event.desktop);
  }, []);

  const dispatch = useCallback(
    (event: WorkEvent) => {
      const result = reduceWork(current.current, event);
      if (result.state === current.current && !result.alert) return;
      current.current = result.state;
      setState(result.state);
      if (result.alert) alert(result.alert);
    },
    [alert],
  );

  useRealtimeEvent<ConversationEventDto>(CONVERSATION_EVENTS, ({ event, data }) => {
    const work = workFromConversation(event, data, meId);
    if (work) dispatch(work);
  });
  useRealtimeEvent<RoutingOfferDto>(OFFER_EVENTS, ({ event, data }) => {
    const work = workFromOffer(event, data, meId);
    if (work) dispatch(work);
  });
  useRealtimeEvent<AgentMentioned>('agent_mentioned', ({ data }) => dispatch(workFromMention(data)));
  useLiveOffers(meId, dispatch);
  useUnassignedWork();
  useEffect(() => dispatch({ type: 'viewing', id: viewingId }), [dispatch, viewingId]);

  const count = pendingCount(state);
  useEffect(() => {
    document.title = titleWithCount(APP_TITLE, count);
  }, [count]);
  useEffect(() => () => void (document.title = APP_TITLE), []);

  const value = useMemo(() => ({ state, count, dispatch }), [state, count, dispatch]);
  return (
    <WorkContext.Provider value={value}>
      {children}
      <WorkToasts />
      <audio ref={chime} src={sounds.chime} preload="auto" data-testid="work-chime" />
      <audio ref={ring} src={sounds.ring} preload="auto" data-testid="work-ring" />
    </WorkContext.Provider>
  );
}

const offersSchema = z.object({ items: z.array(routingOfferSchema) });

/** Offers made while the console was closed or the socket down: read once per (re)connection. */
function useLiveOffers(meId: string, dispatch: (event: WorkEvent) => void): void {
  const api = useApi();
  const connection = useConnectionStatus();
  useEffect(() => {
    if (connection !== 'connected') return;
    let isCurrent = true;
    api.request('GET', '/api/routing/offers', { schema: offersSchema }).then(
      ({ items }) => {
        if (!isCurrent) return;
        for (const offer of items) {
          const work = workFromOffer('offer_created', offer, meId);
          if (work) dispatch(work);
        }
      },
      // The offer events still arrive; a failed read only misses offers made while away.
      () => undefined,
    );
    return () => {
      isCurrent = false;
    };
  }, [api, connection, dispatch, meId]);
}

const queuesSchema = z.object({ items: z.array(queueSchema.pick({ channels: true })) });

/**
 * Watches the unassigned conversations while this user picks chats up by hand
 * (watchesUnassignedWork). The agent's queues are read on each connection: once per
 * session and again after a reconnection, when a change of membership shows.
 */
function useUnassignedWork(): void {
  const api = useApi();
  const { role } = useCurrentUser();
  const connection = useConnectionStatus();
  const [queues, setQueues] = useState<readonly Pick<QueueDto, 'channels'>[] | undefined>(undefined);
  useEffect(() => {
    if (role !== 'agent' || connection !== 'connected') return;
    let isCurrent = true;
    api.request('GET', '/api/queues', { schema: queuesSchema }).then(
      ({ items }) => {
        if (isCurrent) setQueues(items);
      },
      () => {
        // Not known: watch (as a member of no queue) rather than miss a waiting chat.
        if (isCurrent) setQueues((current) => current ?? []);
      },
    );
    return () => {
      isCurrent = false;
    };
  }, [api, role, connection]);
  useWatch('unassigned', watchesUnassignedWork(role, queues));
}

function showDesktopNotification(t: Translate, item: WorkItem): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    const notification = new Notification(item.customer, {
      body: `${kindText(t, item)} · ${t(`channel.${item.channel}`)} · ${formatWaiting(t, item.since, Date.now())}`,
      tag: item.id,
    });
    notification.onclick = () => {
      window.focus();
      navigate(routeOf(item));
      notification.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker: the toast still shows.
  }
}

function WorkToasts() {
  const { state, dispatch } = useWork();
  const { t } = useI18n();
  const now = useNow(1_000);
  const shown = state.items.filter((item) => item.isToastShown).slice(-3);
  return (
    <section className="toasts" aria-label={t('work.region')} aria-live="polite" data-testid="work-toasts">
      {shown.map((item) => {
        const left = secondsLeft(item, now);
        return (
          <div key={item.id} className={`toast toast-${item.kind}`} data-testid="work-toast" data-work-id={item.id}>
            <p className="toast-title">
              <strong data-testid="work-customer">{item.customer}</strong>
              <span className={`tag channel-${item.channel}`}>{t(`channel.${item.channel}`)}</span>
            </p>
            <p className="toast-body small">
              {kindText(t, item)}
              {item.queue ? ` · ${item.queue}` : ''} ·{' '}
              <time dateTime={item.since} data-testid="work-waiting">
                {formatWaiting(t, item.since, now)}
              </time>
              {left !== null ? <span className="countdown"> · {t('work.expires', { seconds: left })}</span> : null}
            </p>
            {item.offerId ? (
              <OfferActions item={item} offerId={item.offerId} />
            ) : (
              <div className="toast-actions">
                <a
                  className="button primary"
                  href={hrefOf(routeOf(item))}
                  onClick={() => dispatch({ type: 'opened', id: item.id })}
                  data-testid="work-open"
                >
                  {t('work.open')}
                </a>
                <button type="button" onClick={() => dispatch({ type: 'dismissed', id: item.id })}>
                  {t('common.dismiss')}
                </button>
              </div>
            )}
          </div>
        );
      })}
    </section>
  );
}

/**
 * Accept opens the conversation (or call) once the server has assigned it; reject hands it
 * to the next agent. A 409 (expired, taken, customer gone) withdraws the toast and says why.
 */
function OfferActions({ item, offerId }: { item: WorkItem; offerId: string }) {
  const api = useApi();
  const { dispatch } = useWork();
  const { t } = useI18n();
  const [isBusy, setIsBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const answer = async (action: 'accept' | 'reject') => {
    setIsBusy(true);
    setError(null);
    try {
      await api.request('POST', `/api/routing/offers/${offerId}/${action}`);
      if (action === 'accept') {
        dispatch({ type: 'opened', id: item.id });
        navigate(routeOf(item));
      } else {
        dispatch({ type: 'withdrawn', id: item.id, offerId });
      }
    } catch (failure) {
      setError(failure);
      setIsBusy(false);
    }
  };
  return (
    <>
      {error ? (
        <p className="error small" role="alert" data-testid="offer-error">
          {errorText(t, error)}
        </p>
      ) : null}
      <div className="toast-actions">
        <button
          type="button"
          className="primary"
          disabled={isBusy}
          onClick={() => void answer('accept')}
          data-testid="offer-accept"
        >
          {t('work.accept')}
        </button>
        <button type="button" disabled={isBusy} onClick={() => void answer('reject')} data-testid="offer-reject">
          {t('work.reject')}
        </button>
        {error ? (
          <button type="button" className="link" onClick={() => dispatch({ type: 'withdrawn', id: item.id, offerId })}>
            {t('common.dismiss')}
          </button>
        ) : null}
      </div>
    </>
  );
}

const ASKED_KEY = 'switchboard.notifications.asked';

type Permission = NotificationPermission | 'unsupported';

function currentPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/**
 * Desktop notifications need the agent's yes, asked once and from a click (browsers
 * ignore a request made without one). Refused or unavailable: a line says how work will
 * reach them instead.
 */
export function DesktopNotificationsBanner() {
  const { t } = useI18n();
  const [permission, setPermission] = useState<Permission>(currentPermission);
  const [wasAsked, setWasAsked] = useState(() => readFlag(ASKED_KEY));
  const [isHidden, setIsHidden] = useState(false);
  if (permission === 'granted' || isHidden) return null;
  if (permission === 'default' && !wasAsked) {
    return (
      <div className="banner" role="region" aria-label={t('work.enable')} data-testid="notifications-ask">
        <span>{t('work.enable_hint')}</span>
        <button
          type="button"
          className="primary"
          data-testid="notifications-enable"
          onClick={() => {
            writeFlag(ASKED_KEY);
            setWasAsked(true);
            void Notification.requestPermission().then(setPermission, () => setPermission(currentPermission()));
          }}
        >
          {t('work.enable')}
        </button>
      </div>
    );
  }
  return (
    <div className="banner is-warning" role="status" data-testid="notifications-denied">
      <span>{t('work.denied')}</span>
      <button type="button" className="link" onClick={() => setIsHidden(true)}>
        {t('common.dismiss')}
      </button>
    </div>
  );
}

function readFlag(key: string): boolean {
  try {
    return window.localStorage.getItem(key) === '1';
  } catch {
    return false;
  }
}

function writeFlag(key: string): void {
  try {
    window.localStorage.setItem(key, '1');
  } catch {
    // Not remembered: asked again next time, still only on a click.
  }
}
