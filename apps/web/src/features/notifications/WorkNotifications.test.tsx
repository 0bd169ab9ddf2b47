import { act, cleanup, waitFor } from '@testing-library/react';
import type { ConversationDto, QueueDto } from '@switchboard/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ID, queueOf } from '../../test-support/admin-fixtures';
import { conversation } from '../../test-support/fixtures';
import { ME, renderConnected } from '../../test-support/render-connected';
import type { Route } from '../../test-support/services';
import { WaitingLedger } from './missed-waiting';
import { WorkNotificationsProvider } from './WorkNotifications';

/** What the fake server holds: the agent's queues and the chats waiting for an agent. */
interface FakeServer {
  queues: QueueDto[];
  waiting: ConversationDto[];
}

function routeOf(server: FakeServer): Route {
  return (method, path) => {
    if (method === 'GET' && path === '/api/queues') return { status: 200, body: { items: server.queues } };
    if (method === 'GET' && path === '/api/routing/offers') return { status: 200, body: { items: [] } };
    if (method === 'GET' && path === '/api/conversations') {
      return { status: 200, body: { items: server.waiting, next_cursor: null } };
    }
    return undefined;
  };
}

function routeWithQueues(queues: QueueDto[]): Route {
  return routeOf({ queues, waiting: [] });
}

/** A chat waiting for an agent since `minute` past ten. */
function waitingChat(name: string, minute: number): ConversationDto {
  const since = `2026-11-23T10:${String(minute).padStart(2, '0')}:00.000Z`;
  const chat = conversation({ awaiting_human: true, created_at: since, last_activity_at: since });
  return { ...chat, contact: { ...chat.contact, name } };
}

const queueReads = (requests: { path: string }[]) => requests.filter(({ path }) => path === '/api/queues').length;

async function renderWorkCentre(route: Route, role = 'agent') {
  return renderConnected(
    <WorkNotificationsProvider meId={ME} viewingId={null}>
      <p>page</p>
    </WorkNotificationsProvider>,
    route,
    { role },
  );
}

describe('the work centre', () => {
  afterEach(() => {
    cleanup();
    vi.restoreAllMocks();
  });

  it('watches the unassigned conversations for an agent in no chat queue, again after a reconnection', async () => {
    const centre = await renderWorkCentre(routeWithQueues([queueOf(ID(1), 'Voz', { channels: ['voice'] })]));
    await waitFor(() => expect(centre.socket().watchLog()).toEqual(['watch unassigned']));
    expect(queueReads(centre.requests)).toBe(1);

    // The queues are read again on reconnecting (a membership may have changed), the watch sent again.
    centre.drop();
    await centre.connect();
    await waitFor(() => expect(queueReads(centre.requests)).toBe(2));
    expect(centre.socket().watchLog()).toEqual(['watch unassigned', 'watch unassigned']);
    centre.unmount();
    expect(centre.socket().watchLog().at(-1)).toBe('unwatch unassigned');
  });

  it('watches when the queues cannot be read, rather than miss a waiting chat', async () => {
    const centre = await renderWorkCentre(() => undefined);
    await waitFor(() => expect(centre.socket().watchLog()).toEqual(['watch unassigned']));
  });

  it('neither reads queues nor watches for a manager, who receives every conversation', async () => {
    const centre = await renderWorkCentre(routeWithQueues([]), 'supervisor');
    await waitFor(() => expect(centre.requests.some(({ path }) => path === '/api/routing/offers')).toBe(true));
    expect(queueReads(centre.requests)).toBe(0);
    expect(centre.socket().watchLog()).toEqual([]);
  });

  describe('after the console was away', () => {
    /** The work centre of an agent in no chat queue, its alerts counted and its waiting-list reads known. */
    async function renderManualAgent(server: FakeServer) {
      const play = vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue(undefined);
      const reads = vi.spyOn(WaitingLedger.prototype, 'endRead');
      const centre = await renderWorkCentre(routeOf(server));
      /** Drops the connection, lets `meanwhile` happen, reconnects, answers the re-watch, awaits the read. */
      const reconnect = async (meanwhile: () => void = () => undefined) => {
        const done = reads.mock.calls.length;
        centre.drop();
        meanwhile();
        await centre.connect();
        await waitFor(() => expect(centre.socket().watchLog()).toHaveLength(done + 1));
        await centre.answerWatches();
        await waitFor(() => expect(reads).toHaveBeenCalledTimes(done + 1));
      };
      await waitFor(() => expect(centre.socket().watchLog()).toEqual(['watch unassigned']));
      await centre.answerWatches();
      await waitFor(() => expect(reads).toHaveBeenCalledTimes(1));
      return { ...centre, play, reconnect };
    }

    it('tells of the chats that began waiting meanwhile in one toast, once', async () => {
      const server: FakeServer = { queues: [], waiting: [waitingChat('Ana Lima', 1)] };
      const centre = await renderManualAgent(server);
      // The page's first load tells nothing of chats already waiting: the inbox's Waiting tab lists them.
      expect(centre.play).not.toHaveBeenCalled();
      expect(centre.queryAllByTestId('work-toast')).toEqual([]);

      await centre.reconnect(() => {
        server.waiting = [
          waitingChat('Diego Reis', 9),
          waitingChat('Bruno Dias', 4),
          waitingChat('Carla Nunes', 7),
          ...server.waiting,
        ];
      });
      await waitFor(() => expect(centre.getAllByTestId('work-toast')).toHaveLength(1));
      expect(centre.getByTestId('work-summary').textContent).toBe('3 chats waiting');
      expect(centre.getByTestId('work-customers').textContent).toBe('Bruno Dias, Carla Nunes, Diego Reis');
      expect(centre.play).toHaveBeenCalledTimes(1);
      await waitFor(() => expect(document.title).toBe('(3) Switchboard'));

      // Nothing new: no toast, and the one shown stays.
      await centre.reconnect();
      expect(centre.play).toHaveBeenCalledTimes(1);
      expect(centre.getAllByTestId('work-toast')).toHaveLength(1);
      expect(centre.getByTestId('work-summary').textContent).toBe('3 chats waiting');

      // A colleague took one meanwhile: it leaves the toast and the count, still without an alert.
      await centre.reconnect(() => {
        server.waiting = server.waiting.filter(({ contact }) => contact.name !== 'Bruno Dias');
      });
      await waitFor(() => expect(centre.getByTestId('work-summary').textContent).toBe('2 chats waiting'));
      expect(centre.play).toHaveBeenCalledTimes(1);
      await waitFor(() => expect(document.title).toBe('(2) Switchboard'));
    });

    it('tells of one chat as its own toast, and not again of a chat already told while connected', async () => {
      const server: FakeServer = { queues: [], waiting: [] };
      const centre = await renderManualAgent(server);
      const told = waitingChat('Eva Prado', 2);
      act(() =>
        centre.socket().serverEmit('conversation_created', {
          event: 'conversation_created',
          data: told,
          version: 'v1',
          seq: 1,
          ts: told.created_at,
        }),
      );
      await waitFor(() =>
        expect(centre.getAllByTestId('work-customer').map((node) => node.textContent)).toEqual(['Eva Prado']),
      );
      expect(centre.play).toHaveBeenCalledTimes(1);
      act(() => centre.getByRole('button', { name: 'Dismiss' }).click());

      await centre.reconnect(() => {
        server.waiting = [told, waitingChat('Fábio Lopes', 5)];
      });
      await waitFor(() =>
        expect(centre.getAllByTestId('work-customer').map((node) => node.textContent)).toEqual(['Fábio Lopes']),
      );
      expect(centre.queryByTestId('work-summary')).toBeNull();
      expect(centre.play).toHaveBeenCalledTimes(2);
    });
  });
});
