/**
 * Queues for agents (issue 12): the queues they serve, and in each the waiting items in
 * routing order with a live waiting time and a service-level colour. Re-read when an event
 * says something moved (conversations, offers, entries), never on a timer; the clock only
 * advances the waits shown. An agent's view watches the unassigned conversations while it is
 * on screen (ADR 31): their events are what move a chat queue; a manager receives them anyway.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { z } from 'zod';
import { queueEntrySchema, queueSchema, type QueueEntryDto } from '@switchboard/contracts';
import { useApi, useCurrentUser, useRealtimeEvent, useResync, useWatch } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { Empty, ErrorMessage, Loading } from '../../shared/ui/components';
import { useNow } from '../../shared/ui/hooks';
import { formatWait, queueRows } from './queue-view';

const queuesSchema = z.object({ items: z.array(queueSchema) });
const entriesSchema = z.object({ items: z.array(queueEntrySchema) });
const MOVES = [
  'conversation_created',
  'conversation_updated',
  'conversation_assigned',
  'conversation_closed',
  'offer_created',
  'offer_accepted',
  'offer_rejected',
  'offer_expired',
  'queue_entry_created',
  'entry_assigned',
  'entry_completed',
  'entry_abandoned',
];

export function QueueView() {
  const api = useApi();
  const { t } = useI18n();
  const now = useNow(1_000);
  const [queues, setQueues] = useState<z.infer<typeof queueSchema>[] | null>(null);
  const [queueId, setQueueId] = useState('');
  const [entries, setEntries] = useState<QueueEntryDto[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const watched = useWatch('unassigned', useCurrentUser().role === 'agent');

  useEffect(() => {
    api.request('GET', '/api/queues', { schema: queuesSchema }).then(({ items }) => {
      setQueues(items);
      setQueueId((current) => current || items[0]?.id || '');
    }, setError);
  }, [api]);

  const load = useCallback(() => {
    if (!queueId || watched === 0) return;
    api
      .request('GET', `/api/queues/${encodeURIComponent(queueId)}/entries`, {
        query: { state: 'waiting' },
        schema: entriesSchema,
      })
      .then(({ items }) => setEntries(items), setError);
    // After each answered (re)watch: what moved meanwhile came in no event.
  }, [api, queueId, watched]);
  useEffect(() => {
    setEntries(null);
    load();
  }, [load]);
  // A burst of events is one read.
  const reload = useCallback(() => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      load();
    }, 250);
  }, [load]);
  useEffect(() => () => void (pending.current && clearTimeout(pending.current)), []);
  useRealtimeEvent(MOVES, reload);
  useResync(reload);

  if (!queues) return error ? <ErrorMessage error={error} /> : <Loading />;
  const queue = queues.find((q) => q.id === queueId);
  const rows = entries && queue ? queueRows(entries, queue.service_level_seconds, now) : null;

  return (
    <section className="queue-view" data-testid="queue-view">
      {queues.length === 0 ? (
        <Empty>{t('queueview.none')}</Empty>
      ) : (
        <label>
          {t('queueview.pick')}{' '}
          <select value={queueId} onChange={(event) => setQueueId(event.target.value)} data-testid="queue-pick">
            {queues.map((q) => (
              <option key={q.id} value={q.id}>
                {q.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <ErrorMessage error={error} />
      {rows === null ? null : rows.length === 0 ? (
        <Empty>{t('queueview.empty')}</Empty>
      ) : (
        <table data-testid="queue-entries">
          <thead>
            <tr>
              <th scope="col">{t('queueview.position')}</th>
              <th scope="col">{t('queueview.who')}</th>
              <th scope="col">{t('queueview.waiting')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ entry, waitSeconds, colour }) => (
              <tr key={entry.id} data-testid="queue-entry" data-sl={colour}>
                <td>{entry.position ?? '—'}</td>
                <td>
                  {entry.label ?? '—'} <span className="muted small">{t(`channel.${entry.channel}`)}</span>
                </td>
                <td className={`sl-${colour}`}>
                  <span data-testid="queue-wait">{formatWait(waitSeconds)}</span>{' '}
                  <span className="small">{t(`queueview.sl.${colour}`)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
