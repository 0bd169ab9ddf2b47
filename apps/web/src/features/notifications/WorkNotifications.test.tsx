import { cleanup, waitFor } from '@testing-library/react';
import type { QueueDto } from '@switchboard/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { ID, queueOf } from '../../test-support/admin-fixtures';
import { ME, renderConnected } from '../../test-support/render-connected';
import type { Route } from '../../test-support/services';
import { WorkNotificationsProvider } from './WorkNotifications';

function routeWithQueues(queues: QueueDto[]): Route {
  return (method, path) => {
    if (method === 'GET' && path === '/api/queues') return { status: 200, body: { items: queues } };
    if (method === 'GET' && path === '/api/routing/offers') return { status: 200, body: { items: [] } };
    return undefined;
  };
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
  afterEach(() => cleanup());

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
});
