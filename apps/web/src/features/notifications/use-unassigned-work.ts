/**
 * The work centre's watch of the conversations nobody owns, for an agent who picks chats up
 * by hand (ADR 31): the watch itself, and after each answered re-watch the chats that began
 * waiting while the console was away (missed-waiting.ts).
 */
import { useEffect, useRef, useState } from 'react';
import { z } from 'zod';
import {
  conversationSchema,
  pageSchema,
  queueSchema,
  type ConversationEventDto,
  type QueueDto,
} from '@switchboard/contracts';
import { useApi, useConnectionStatus, useCurrentUser, useRealtimeEvent, useWatch } from '../../app/services';
import { WaitingLedger } from './missed-waiting';
import { CONVERSATION_EVENTS, waitingWork, watchesUnassignedWork, type WorkEvent } from './work-centre';

const queuesSchema = z.object({ items: z.array(queueSchema.pick({ channels: true })) });

/**
 * Watches the unassigned conversations while this user picks chats up by hand
 * (watchesUnassignedWork). The agent's queues are read on each connection: once per
 * session and again after a reconnection, when a change of membership shows.
 */
export function useUnassignedWork(meId: string, dispatch: (event: WorkEvent) => void): void {
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
  const isWatching = watchesUnassignedWork(role, queues);
  const watched = useWatch('unassigned', isWatching);
  useMissedWaiting(meId, isWatching, watched, dispatch);
}

const conversationPage = pageSchema(conversationSchema);
/** The newest page of the waiting list: a chat that began waiting while away has recent activity. */
const WAITING_PAGE = 50;

/**
 * After each answered (re)watch (`watched`, from useWatch), reads the waiting list and tells
 * the agent of the chats that began waiting while the console was away (missed-waiting.ts):
 * once each, and one toast for several. The first read only learns the list, as the page's
 * first load raises no toast for chats already waiting (the inbox's Waiting tab lists them).
 */
function useMissedWaiting(
  meId: string,
  isWatching: boolean,
  watched: number,
  dispatch: (event: WorkEvent) => void,
): void {
  const api = useApi();
  const [ledger] = useState(() => new WaitingLedger());
  const batches = useRef(0);
  useRealtimeEvent<ConversationEventDto>(CONVERSATION_EVENTS, ({ data }) =>
    ledger.hear(data.id, waitingWork(data, meId) !== null),
  );
  useEffect(() => {
    if (!isWatching) {
      ledger.reset();
      return;
    }
    // The watch is not answered yet: events may still be missed, so the read would be early.
    if (watched === 0) return;
    let isCurrent = true;
    ledger.beginRead();
    api
      .request('GET', '/api/conversations', {
        query: { filter: 'awaiting_human', status: 'open', limit: WAITING_PAGE },
        schema: conversationPage,
      })
      .then(
        (page) => {
          if (!isCurrent) return;
          const waiting = page.items.flatMap((conversation) => waitingWork(conversation, meId) ?? []);
          const read = ledger.endRead(
            waiting.map((item) => item.id),
            page.next_cursor === null,
          );
          const began = new Set(read.began);
          dispatch({
            type: 'caught_up',
            batch: `caught-up-${++batches.current}`,
            arrived: waiting.filter((item) => began.has(item.id)),
            waitingIds: read.waiting ?? undefined,
          });
        },
        // Not read: the next re-watch compares with what was known before this one.
        () => undefined,
      );
    return () => {
      isCurrent = false;
    };
  }, [api, ledger, dispatch, meId, isWatching, watched]);
}
