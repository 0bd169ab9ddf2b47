import { cleanup, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ID, queueOf } from '../../test-support/admin-fixtures';
import { renderConnected } from '../../test-support/render-connected';
import type { Route } from '../../test-support/services';
import { QueueView } from './QueueView';

const VENDAS = queueOf(ID(1), 'Vendas', { channels: ['whatsapp'] });

const route: Route = (method, path) => {
  if (method === 'GET' && path === '/api/queues') return { status: 200, body: { items: [VENDAS] } };
  if (method === 'GET' && path.startsWith(`/api/queues/${VENDAS.id}/entries`)) {
    return { status: 200, body: { items: [] } };
  }
  return undefined;
};

const entryReads = (requests: { path: string }[]) =>
  requests.filter(({ path }) => path.startsWith(`/api/queues/${VENDAS.id}/entries`)).length;

describe("the desk's queue view", () => {
  afterEach(() => cleanup());

  it("on an agent's console, watches the unassigned conversations while shown and reads the queue once the watch is answered", async () => {
    const view = await renderConnected(<QueueView />, route);
    await waitFor(() => expect(view.socket().watchLog()).toEqual(['watch unassigned']));
    expect(entryReads(view.requests)).toBe(0);
    await view.answerWatches();
    await waitFor(() => expect(entryReads(view.requests)).toBe(1));
    view.unmount();
    expect(view.socket().watchLog()).toEqual(['watch unassigned', 'unwatch unassigned']);
  });

  it("on a manager's console, reads the queue at once and never watches", async () => {
    const view = await renderConnected(<QueueView />, route, { role: 'supervisor' });
    await waitFor(() => expect(entryReads(view.requests)).toBe(1));
    expect(view.socket().watchLog()).toEqual([]);
  });
});
