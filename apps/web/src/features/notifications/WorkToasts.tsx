/**
 * The work centre's toasts, the newest three: one per piece of work, with Open and Dismiss
 * (Accept and Reject for an offer), or one for the chats found waiting together after the
 * console was away ("3 chats waiting"), whose Open takes the one that has waited longest.
 */
import { useState } from 'react';
import { hrefOf, navigate, type Route } from '../../app/router';
import { useApi } from '../../app/services';
import { useI18n, type Translate } from '../../shared/i18n/i18n';
import { errorText } from '../../shared/ui/components';
import { useNow } from '../../shared/ui/hooks';
import { formatWaiting } from '../inbox/waiting';
import {
  secondsLeft,
  toastsOf,
  type PendingWork,
  type WorkCentreState,
  type WorkEvent,
  type WorkItem,
} from './work-centre';

type Dispatch = (event: WorkEvent) => void;

export function routeOf(item: WorkItem): Route {
  return item.target.screen === 'inbox'
    ? { name: 'inbox', conversationId: item.target.conversationId }
    : { name: 'calls', callId: item.target.callId };
}

export function kindText(t: Translate, item: WorkItem): string {
  return t(`work.${item.kind}`);
}

export function WorkToasts({ state, dispatch }: { state: WorkCentreState; dispatch: Dispatch }) {
  const { t } = useI18n();
  const now = useNow(1_000);
  const toasts = toastsOf(state.items).slice(-3);
  return (
    <section className="toasts" aria-label={t('work.region')} aria-live="polite" data-testid="work-toasts">
      {toasts.map((toast) =>
        toast.type === 'item' ? (
          <ItemToast key={toast.item.id} item={toast.item} now={now} dispatch={dispatch} />
        ) : (
          <SummaryToast key={toast.batch} batch={toast.batch} items={toast.items} now={now} dispatch={dispatch} />
        ),
      )}
    </section>
  );
}

function ItemToast({ item, now, dispatch }: { item: PendingWork; now: number; dispatch: Dispatch }) {
  const { t } = useI18n();
  const left = secondsLeft(item, now);
  return (
    <div className={`toast toast-${item.kind}`} data-testid="work-toast" data-work-id={item.id}>
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
        <OfferActions item={item} offerId={item.offerId} dispatch={dispatch} />
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
}

/** Chats that began waiting while the console was away, told together; opening takes the oldest. */
function SummaryToast({
  batch,
  items,
  now,
  dispatch,
}: {
  batch: string;
  items: readonly [PendingWork, ...PendingWork[]];
  now: number;
  dispatch: Dispatch;
}) {
  const { t } = useI18n();
  const [oldest] = items;
  const channels = [...new Set(items.map((item) => item.channel))];
  return (
    <div className="toast toast-awaiting" data-testid="work-toast" data-work-batch={batch}>
      <p className="toast-title">
        <strong data-testid="work-summary">{t('work.waiting_count', { count: items.length })}</strong>
        {channels.map((channel) => (
          <span key={channel} className={`tag channel-${channel}`}>
            {t(`channel.${channel}`)}
          </span>
        ))}
      </p>
      <p className="toast-body small">
        <span data-testid="work-customers">{customersText(t, items)}</span> ·{' '}
        {t('work.oldest', { time: formatWaiting(t, oldest.since, now) })}
      </p>
      <div className="toast-actions">
        <a
          className="button primary"
          href={hrefOf(routeOf(oldest))}
          onClick={() => dispatch({ type: 'opened', id: oldest.id })}
          data-testid="work-open"
        >
          {t('work.open_oldest')}
        </a>
        <button
          type="button"
          onClick={() => {
            for (const item of items) dispatch({ type: 'dismissed', id: item.id });
          }}
        >
          {t('common.dismiss')}
        </button>
      </div>
    </div>
  );
}

const NAMED_CUSTOMERS = 3;

/** "Ana, Bruno, Carla and 2 more": who waits, longest first. */
export function customersText(t: Translate, items: readonly WorkItem[]): string {
  const names = items
    .slice(0, NAMED_CUSTOMERS)
    .map((item) => item.customer)
    .join(', ');
  const others = items.length - NAMED_CUSTOMERS;
  return others > 0 ? `${names} ${t('work.and_more', { count: others })}` : names;
}

/**
 * Accept opens the conversation (or call) once the server has assigned it; reject hands it
 * to the next agent. A 409 (expired, taken, customer gone) withdraws the toast and says why.
 */
function OfferActions({ item, offerId, dispatch }: { item: WorkItem; offerId: string; dispatch: Dispatch }) {
  const api = useApi();
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
