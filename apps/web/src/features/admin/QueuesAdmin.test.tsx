import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { I18nProvider } from '../../shared/i18n/i18n';
import { agentUser, emptyRoutingReads, ID, queueOf, wallboardQueue } from '../../test-support/admin-fixtures';
import { AT, renderSignedIn } from '../../test-support/render-signed-in';
import { MEMBER_SEARCH_LIMIT, TimeRangeField } from './QueuesAdmin';
import { RoutingAdmin } from './RoutingAdmin';

afterEach(() => cleanup());
vi.setConfig({ testTimeout: 30_000 });

describe('Admin › Queues › waiting now', () => {
  it('shows how many wait in each queue, then follows queue_stats', async () => {
    const queues = [queueOf(ID(1), 'Geral'), queueOf(ID(2), 'Vendas')];
    const services = await renderSignedIn(<RoutingAdmin />, (method, path) => {
      if (method === 'GET' && path === '/api/queues') return { status: 200, body: { items: queues } };
      if (method === 'GET' && path === '/api/wallboard') {
        return {
          status: 200,
          body: { at: AT, tz: 'America/Sao_Paulo', queues: [wallboardQueue(ID(1), 'Geral', 3)], agents: [] },
        };
      }
      return emptyRoutingReads(method, path);
    });
    const cellOf = (name: string) =>
      within(screen.getByText(name, { selector: '[data-testid=queue-row] *' }).closest('tr')!).getByTestId(
        'queue-waiting',
      );
    await waitFor(() => expect(cellOf('Geral').textContent).toBe('3'));
    expect(screen.getByRole('columnheader', { name: 'Waiting now' })).toBeTruthy();
    // A queue the snapshot did not count says so rather than zero.
    expect(cellOf('Vendas').textContent).toBe('—');

    const deliver = (seq: number, data: Record<string, unknown>) =>
      act(() =>
        (services.realtime as unknown as { dispatch(event: string, payload: unknown): void }).dispatch('queue_stats', {
          event: 'queue_stats',
          seq,
          at: AT,
          data,
        }),
      );
    deliver(1, { queue_id: ID(2), waiting: 5, longest_wait_seconds: 40 });
    deliver(2, { queue_id: ID(1), waiting: 0, longest_wait_seconds: 0 });
    await waitFor(() => expect(cellOf('Vendas').textContent).toBe('5'));
    expect(cellOf('Geral').textContent).toBe('0');
  });
});

describe('Admin › Queues › members', () => {
  it('finds an agent beyond the first page by name or e-mail on the server and adds them', async () => {
    const queue = queueOf(ID(1), 'Geral', { members: [{ user_id: ID(10), name: 'Bruno', priority: 0 }] });
    const everyone = [
      agentUser(ID(10), 'Bruno', 'agent10@acme.test'),
      ...Array.from({ length: 60 }, (_, i) => agentUser(ID(100 + i), `Agente ${i}`, `agent${100 + i}@acme.test`)),
    ];
    everyone.push(agentUser(ID(999), 'Zuleica Prado', 'agent999@acme.test'));
    const services = await renderSignedIn(<RoutingAdmin />, (method, path, body) => {
      if (method === 'GET' && path === '/api/queues') return { status: 200, body: { items: [queue] } };
      if (method === 'GET' && path === '/api/users') {
        const last = services.requests.filter((r) => r.path.startsWith('/api/users?')).at(-1)!;
        const query = new URL(last.path, 'http://x').searchParams;
        const q = query.get('q')?.toLowerCase();
        const found = everyone.filter((u) => !q || u.name.toLowerCase().includes(q) || u.email.includes(q));
        const limit = Number(query.get('limit'));
        return {
          status: 200,
          body: { items: found.slice(0, limit), next_cursor: found.length > limit ? 'next' : null },
        };
      }
      if (method === 'PUT' && path === `/api/queues/${ID(1)}/members`) {
        queue.members = (body as { user_id: string; priority: number }[]).map((m) => ({
          ...m,
          name: everyone.find((u) => u.id === m.user_id)!.name,
        }));
        return { status: 200, body: queue };
      }
      return emptyRoutingReads(method, path);
    });
    await screen.findByTestId('queue-row');
    fireEvent.click(screen.getByTestId('queue-members'));
    const dialog = await screen.findByTestId('members-dialog');
    const options = () =>
      within(dialog)
        .getAllByRole('option')
        .map((o) => o.textContent);
    await waitFor(() => expect(options()).toContain('Agente 0 (Agent)'));
    // The first page only, and a hint that there are more: Zuleica is not in it.
    expect(options()).not.toContain('Zuleica Prado (Agent)');
    expect(
      within(dialog).getByText(`Showing the first ${MEMBER_SEARCH_LIMIT}: type a name or e-mail to find the others.`),
    ).toBeTruthy();

    fireEvent.change(within(dialog).getByLabelText('Search by name or e-mail'), { target: { value: 'zule' } });
    await waitFor(() => expect(options()).toEqual(['Choose an agent', 'Zuleica Prado (Agent)']));
    expect(services.requests.filter((r) => r.path.startsWith('/api/users?')).at(-1)!.path).toBe(
      `/api/users?is_active=true&limit=${MEMBER_SEARCH_LIMIT}&q=zule`,
    );
    fireEvent.change(within(dialog).getByLabelText('Add an agent'), { target: { value: ID(999) } });
    fireEvent.click(within(dialog).getByTestId('member-add'));
    expect(
      within(dialog)
        .getAllByTestId('member-row')
        .map((row) => row.dataset.name),
    ).toEqual(['Bruno', 'Zuleica Prado']);

    // Nobody by that name: the picker says so.
    fireEvent.change(within(dialog).getByLabelText('Search by name or e-mail'), { target: { value: 'ninguém' } });
    await waitFor(() => expect(options()).toEqual(['Nobody found']));
    fireEvent.click(within(dialog).getByTestId('members-save'));
    await waitFor(() => expect(screen.getByTestId('queue-members-count').textContent).toBe('2'));
    expect(services.requests.find((r) => r.method === 'PUT')?.body).toEqual([
      { user_id: ID(10), priority: 0 },
      { user_id: ID(999), priority: 0 },
    ]);
  });
});

describe('TimeRangeField', () => {
  it('labels its two times in the console’s language, reports each change and shows each error on its field', () => {
    const changes: unknown[] = [];
    render(
      <I18nProvider locale="pt-BR">
        <TimeRangeField
          from="08:00"
          to="18:00"
          onChange={(patch) => changes.push(patch)}
          errors={{ to: 'Deve ser depois do início.' }}
        />
      </I18nProvider>,
    );
    const from = screen.getByLabelText<HTMLInputElement>('De');
    const to = screen.getByLabelText<HTMLInputElement>('Até');
    expect([from.value, to.value]).toEqual(['08:00', '18:00']);
    expect(from.getAttribute('aria-invalid')).toBeNull();
    expect(to.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Deve ser depois do início.')).toBeTruthy();
    fireEvent.change(from, { target: { value: '09:30' } });
    fireEvent.change(to, { target: { value: '17:00' } });
    expect(changes).toEqual([{ from: '09:30' }, { to: '17:00' }]);
  });
});
