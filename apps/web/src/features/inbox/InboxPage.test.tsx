import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { conversation } from '../../test-support/fixtures';
import { ME, renderConnected } from '../../test-support/render-connected';
import type { Route } from '../../test-support/services';
import { InboxPage } from './InboxPage';

const MARIA = conversation({ contact: { ...conversation().contact, name: 'Maria Souza' } });

const route: Route = (method, path) =>
  method === 'GET' && path === '/api/conversations'
    ? { status: 200, body: { items: [MARIA], next_cursor: null } }
    : undefined;

/** The inbox's list reads, by their `filter` (All has none). */
function listReads(requests: { method: string; path: string }[]): string[] {
  return requests
    .filter(({ path }) => path.startsWith('/api/conversations?'))
    .map(({ path }) => new URLSearchParams(path.split('?')[1]).get('filter') ?? 'all');
}

describe('the inbox', () => {
  afterEach(() => {
    cleanup();
    window.localStorage.clear();
  });

  it("on an agent's All tab, watches the unassigned conversations and loads the list once the watch is answered", async () => {
    const inbox = await renderConnected(<InboxPage conversationId={undefined} />, route);
    await waitFor(() => expect(inbox.socket().watchLog()).toEqual(['watch unassigned']));
    expect(listReads(inbox.requests)).toEqual([]);
    await inbox.answerWatches();
    await waitFor(() => expect(listReads(inbox.requests)).toEqual(['all']));
    await screen.findByText('Maria Souza');

    // Reconnected: the list stays, waits for the new watch's answer, then loads again.
    inbox.drop();
    await inbox.connect();
    expect(inbox.socket().watchLog()).toEqual(['watch unassigned', 'watch unassigned']);
    expect(listReads(inbox.requests)).toEqual(['all']);
    expect(screen.getByText('Maria Souza')).toBeTruthy();
    await inbox.answerWatches();
    await waitFor(() => expect(listReads(inbox.requests)).toEqual(['all', 'all']));
  });

  it('loads at once before any connection, and again once the first watch is answered', async () => {
    const inbox = await renderConnected(<InboxPage conversationId={undefined} />, route, { isConnected: false });
    // Not connected: nothing to wait for, the list loads now and again after the watch's answer.
    await waitFor(() => expect(listReads(inbox.requests)).toEqual(['all']));
    await inbox.connect();
    expect(inbox.socket().watchLog()).toEqual(['watch unassigned']);
    expect(listReads(inbox.requests)).toEqual(['all']);
    await inbox.answerWatches();
    await waitFor(() => expect(listReads(inbox.requests)).toEqual(['all', 'all']));
  });

  it('stops watching on Mine and remembers the tab for this user, so the inbox opens on Mine next time', async () => {
    const first = await renderConnected(<InboxPage conversationId={undefined} />, route);
    await first.answerWatches();
    await waitFor(() => expect(listReads(first.requests)).toEqual(['all']));

    fireEvent.click(screen.getByTestId('inbox-tab-mine'));
    await waitFor(() => expect(listReads(first.requests)).toEqual(['all', 'mine']));
    expect(first.socket().watchLog()).toEqual(['watch unassigned', 'unwatch unassigned']);
    expect(window.localStorage.getItem(`switchboard.inbox.tab.${ME}`)).toBe('mine');
    cleanup();

    const again = await renderConnected(<InboxPage conversationId={undefined} />, route);
    await waitFor(() => expect(listReads(again.requests)).toEqual(['mine']));
    expect(screen.getByTestId('inbox-tab-mine').getAttribute('aria-pressed')).toBe('true');

    // Back to Waiting: watched again, and that list waits for the answer.
    fireEvent.click(screen.getByTestId('inbox-tab-awaiting_human'));
    await waitFor(() => expect(again.socket().watchLog()).toEqual(['watch unassigned']));
    expect(listReads(again.requests)).toEqual(['mine']);
    await again.answerWatches();
    await waitFor(() => expect(listReads(again.requests)).toEqual(['mine', 'awaiting_human']));
  });

  it("on a manager's console, never watches: managers receive every conversation's events", async () => {
    const inbox = await renderConnected(<InboxPage conversationId={undefined} />, route, { role: 'supervisor' });
    await waitFor(() => expect(listReads(inbox.requests)).toEqual(['all']));
    fireEvent.click(screen.getByTestId('inbox-tab-unassigned'));
    await waitFor(() => expect(listReads(inbox.requests)).toEqual(['all', 'unassigned']));
    expect(inbox.socket().watchLog()).toEqual([]);
  });
});
