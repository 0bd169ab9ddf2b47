/**
 * The notification centre on screen, on every page: toasts (WorkToasts.tsx), the chime or
 * ring, desktop notifications, and the count in the tab title. Conversation events and the
 * routing engine's offers feed it here (see work-centre.ts); an offer's toast accepts or
 * rejects it.
 * For an agent who picks chats up by hand (in no chat queue) it watches the conversations
 * nobody owns, whose events reach agents only by watching (ADR 31), and after each re-watch
 * reads the waiting list for the chats that began waiting while the console was away
 * (use-unassigned-work.ts).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { z } from 'zod';
import {
  routingOfferSchema,
  type AgentMentioned,
  type ConversationEventDto,
  type RoutingOfferDto,
} from '@switchboard/contracts';
import { navigate } from '../../app/router';
import { useApi, useConnectionStatus, useRealtimeEvent } from '../../app/services';
import { useI18n, type Translate } from '../../shared/i18n/i18n';
import { formatWaiting } from '../inbox/waiting';
import { CHIME, RING, soundUrl } from './alert-sounds';
import {
  emptyWorkCentre,
  pendingCount,
  reduceWork,
  titleWithCount,
  CONVERSATION_EVENTS,
  OFFER_EVENTS,
  workFromConversation,
  workFromMention,
  workFromOffer,
  type WorkAlert,
  type WorkCentreState,
  type WorkEvent,
} from './work-centre';
import { useUnassignedWork } from './use-unassigned-work';
import { customersText, kindText, routeOf, WorkToasts } from './WorkToasts';

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
    showDesktopNotification(translate.current, event);
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
  useUnassignedWork(meId, dispatch);
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
      <WorkToasts state={state} dispatch={dispatch} />
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

function showDesktopNotification(t: Translate, { desktop: item, summary }: WorkAlert): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    const notification = summary
      ? new Notification(t('work.waiting_count', { count: summary.items.length }), {
          body: customersText(t, summary.items),
          tag: summary.batch,
        })
      : new Notification(item.customer, {
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
