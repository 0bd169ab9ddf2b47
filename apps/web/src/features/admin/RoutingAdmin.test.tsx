import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { agentUser, channelRouting, emptyRoutingReads, ID, queueOf } from '../../test-support/admin-fixtures';
import { AT, renderSignedIn } from '../../test-support/render-signed-in';
import { PauseReasonsAdmin } from './PauseReasonsAdmin';
import { RoutingAdmin } from './RoutingAdmin';
import { UsersAdmin } from './UsersAdmin';

afterEach(() => cleanup());
// The queue dialog has many fields: on a busy two-core machine a test may take longer than the default.
vi.setConfig({ testTimeout: 30_000 });

/** The confirmation on screen (each list of the tab has its own). */
const openConfirm = () => screen.getAllByTestId('confirm-dialog').find((dialog) => dialog.hasAttribute('open'));

const ANA = ID(10);

describe('Admin › Queues', () => {
  it('creates a queue with a required skill and business hours, sending every field', async () => {
    const queues = [queueOf(ID(1), 'Geral')];
    const services = await renderSignedIn(<RoutingAdmin />, (method, path, body) => {
      if (method === 'GET' && path === '/api/queues') return { status: 200, body: { items: queues } };
      if (method === 'POST' && path === '/api/queues') {
        const created = queueOf(ID(2), (body as { name: string }).name);
        queues.push(created);
        return { status: 201, body: created };
      }
      return emptyRoutingReads(method, path);
    });
    await screen.findByTestId('queue-row');
    fireEvent.click(screen.getByTestId('queue-create'));
    const dialog = await screen.findByTestId('queue-dialog');
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'Espanhol' } });
    fireEvent.click(within(dialog).getByTestId('queue-channel-voice'));
    fireEvent.change(within(dialog).getByLabelText('Strategy'), { target: { value: 'ring_all' } });
    fireEvent.click(within(dialog).getByTestId('skill-add'));
    fireEvent.change(within(dialog).getByLabelText('Skill'), { target: { value: 'espanhol' } });
    fireEvent.change(within(dialog).getByLabelText('Minimum level (1–10)'), { target: { value: '5' } });
    fireEvent.change(within(dialog).getByLabelText('Overflow'), { target: { value: 'queue' } });
    fireEvent.change(within(dialog).getByLabelText('Overflow queue'), { target: { value: ID(1) } });
    fireEvent.change(within(dialog).getByLabelText('Maximum wait (s)'), { target: { value: '120' } });
    fireEvent.click(within(dialog).getByTestId('queue-hours-on'));
    expect(within(dialog).getAllByTestId('queue-range')).toHaveLength(5);
    // Friday off: remove the last range.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove range 5' }));
    fireEvent.change(within(dialog).getByLabelText('When closed'), { target: { value: 'voicemail' } });
    // Taking voice away again drops ring_all, which needs it.
    fireEvent.click(within(dialog).getByTestId('queue-channel-voice'));
    expect(within(dialog).getByLabelText<HTMLSelectElement>('Strategy').value).toBe('longest_idle');
    fireEvent.click(within(dialog).getByTestId('queue-channel-voice'));
    fireEvent.click(within(dialog).getByTestId('queue-save'));
    await waitFor(() => expect(screen.getAllByTestId('queue-row')).toHaveLength(2));
    expect(services.requests.find((r) => r.method === 'POST')?.body).toEqual({
      name: 'Espanhol',
      channels: ['voice', 'whatsapp'],
      strategy: 'longest_idle',
      offer_mode: 'auto',
      offer_timeout_seconds: 20,
      required_skills: [{ name: 'espanhol', min_level: 5 }],
      priority: 0,
      service_level_seconds: 20,
      service_level_target: 0.8,
      max_wait_seconds: 120,
      overflow: { action: 'queue', queue_id: ID(1) },
      wrap_up_seconds: 0,
      announce_position: false,
      business_hours: {
        ranges: [1, 2, 3, 4].map((day) => ({ day, from: '08:00', to: '18:00' })),
        closed_action: { action: 'voicemail' },
      },
    });
  });

  it('stops a range that ends before it starts, and shows the server’s refusal on its field', async () => {
    const queue = queueOf(ID(1), 'Geral', {
      business_hours: {
        ranges: [{ day: 1, from: '08:00', to: '18:00' }],
        closed_action: { action: 'message', text: null },
      },
    });
    const services = await renderSignedIn(<RoutingAdmin />, (method, path) => {
      if (method === 'GET' && path === '/api/queues') return { status: 200, body: { items: [queue] } };
      if (method === 'PATCH' && path === `/api/queues/${ID(1)}`) {
        return {
          status: 400,
          body: {
            type: 'about:blank',
            title: 'Bad Request',
            status: 400,
            code: 'request.invalid',
            detail: 'Invalid input.',
            errors: [{ field: 'body.business_hours.closed_action.text', message: 'Too long' }],
          },
        };
      }
      return emptyRoutingReads(method, path);
    });
    await screen.findByTestId('queue-row');
    fireEvent.click(screen.getByTestId('queue-edit'));
    const dialog = await screen.findByTestId('queue-dialog');
    const to = within(dialog).getByLabelText('To');
    fireEvent.change(to, { target: { value: '07:00' } });
    fireEvent.click(within(dialog).getByTestId('queue-save'));
    await waitFor(() => expect(to.getAttribute('aria-invalid')).toBe('true'));
    expect(within(dialog).getByText('Must be after the start.')).toBeTruthy();
    // The field in error takes the focus (the dialog is long on a phone).
    await waitFor(() => expect(document.activeElement).toBe(to));
    expect(services.requests.filter((r) => r.method === 'PATCH')).toEqual([]);

    fireEvent.change(to, { target: { value: '12:00' } });
    fireEvent.click(within(dialog).getByTestId('queue-save'));
    const closed = within(dialog).getByLabelText('Closed message');
    await waitFor(() => expect(closed.getAttribute('aria-invalid')).toBe('true'));
    expect(within(dialog).getByText('Too long')).toBeTruthy();
    expect(to.getAttribute('aria-invalid')).toBeNull();
  });

  it('adds an agent to the members, changes a priority and saves the list', async () => {
    const queue = queueOf(ID(1), 'Geral', { members: [{ user_id: ID(11), name: 'Bruno', priority: 1 }] });
    const services = await renderSignedIn(<RoutingAdmin />, (method, path, body) => {
      if (method === 'GET' && path === '/api/queues') return { status: 200, body: { items: [queue] } };
      if (method === 'GET' && path === '/api/users') {
        return {
          status: 200,
          body: {
            items: [agentUser(ANA, 'Ana', 'ana@acme.test'), agentUser(ID(11), 'Bruno', 'b@acme.test')],
            next_cursor: null,
          },
        };
      }
      if (method === 'PUT' && path === `/api/queues/${ID(1)}/members`) {
        queue.members = (body as { user_id: string; priority: number }[]).map((m) => ({
          ...m,
          name: m.user_id === ANA ? 'Ana' : 'Bruno',
        }));
        return { status: 200, body: queue };
      }
      return emptyRoutingReads(method, path);
    });
    await screen.findByTestId('queue-row');
    expect(screen.getByTestId('queue-members-count').textContent).toBe('1');
    fireEvent.click(screen.getByTestId('queue-members'));
    const dialog = await screen.findByTestId('members-dialog');
    // Only who is not a member yet can be added.
    await waitFor(() =>
      expect(
        within(dialog)
          .getAllByRole('option')
          .map((o) => o.textContent),
      ).toContain('Ana (Agent)'),
    );
    expect(
      within(dialog)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).not.toContain('Bruno (Agent)');
    fireEvent.change(within(dialog).getByLabelText('Add an agent'), { target: { value: ANA } });
    fireEvent.click(within(dialog).getByTestId('member-add'));
    const rows = within(dialog).getAllByTestId('member-row');
    expect(rows.map((row) => row.dataset.name)).toEqual(['Bruno', 'Ana']);
    fireEvent.change(within(rows[1]!).getByLabelText('Priority'), { target: { value: '0' } });
    fireEvent.click(within(dialog).getByTestId('members-save'));
    await waitFor(() => expect(screen.getByTestId('queue-members-count').textContent).toBe('2'));
    expect(services.requests.find((r) => r.method === 'PUT')?.body).toEqual([
      { user_id: ID(11), priority: 1 },
      { user_id: ANA, priority: 0 },
    ]);
  });

  it('sends WhatsApp to a queue with a menu, listing only the queues that serve the channel', async () => {
    const queues = [
      queueOf(ID(1), 'Vendas'),
      queueOf(ID(2), 'Suporte', { channels: ['whatsapp', 'webchat'] }),
      queueOf(ID(3), 'Telefone', { channels: ['voice'] }),
    ];
    const saved: Record<string, unknown> = {};
    const services = await renderSignedIn(<RoutingAdmin />, (method, path, body) => {
      if (method === 'GET' && path === '/api/queues') return { status: 200, body: { items: queues } };
      if (method === 'GET' && path === '/api/channels/whatsapp/routing') {
        return { status: 200, body: channelRouting('whatsapp') };
      }
      if (method === 'GET' && path === '/api/channels/webchat/routing') {
        return { status: 200, body: channelRouting('webchat', ID(2)) };
      }
      if (method === 'PUT' && path === '/api/channels/whatsapp/routing') {
        saved.whatsapp = body;
        return { status: 200, body: { channel: 'whatsapp', ...(body as object), updated_at: AT } };
      }
      return emptyRoutingReads(method, path);
    });
    const whatsapp = await screen.findByTestId('entry-whatsapp');
    const webchat = screen.getByTestId('entry-webchat');
    await waitFor(() => expect(within(webchat).getByLabelText<HTMLSelectElement>('Default queue').value).toBe(ID(2)));
    const select = within(whatsapp).getByLabelText<HTMLSelectElement>('Default queue');
    expect([...select.options].map((o) => o.textContent)).toEqual(['None', 'Vendas', 'Suporte']);
    fireEvent.change(select, { target: { value: ID(1) } });
    fireEvent.click(within(whatsapp).getByTestId('menu-on'));
    fireEvent.change(within(whatsapp).getByLabelText('Prompt'), { target: { value: 'Escolha:' } });
    fireEvent.change(within(whatsapp).getByLabelText('Option'), { target: { value: 'Suporte' } });
    fireEvent.change(within(whatsapp).getByLabelText('Queue'), { target: { value: ID(2) } });
    fireEvent.click(within(whatsapp).getByTestId('entry-whatsapp-save'));
    await within(whatsapp).findByText('Saved.');
    expect(saved.whatsapp).toEqual({
      default_queue_id: ID(1),
      menu: { prompt: 'Escolha:', options: [{ key: '1', label: 'Suporte', queue_id: ID(2) }] },
    });
    expect(services.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([
      '/api/channels/whatsapp/routing',
    ]);
  });

  it('routes a new phone number to a voice queue and deletes it after confirming', async () => {
    const points: Record<string, unknown>[] = [];
    const services = await renderSignedIn(<RoutingAdmin />, (method, path, body) => {
      if (method === 'GET' && path === '/api/queues') {
        return { status: 200, body: { items: [queueOf(ID(3), 'Telefone', { channels: ['voice'] })] } };
      }
      if (method === 'GET' && path === '/api/voice/entry-points') return { status: 200, body: { items: points } };
      if (method === 'PUT' && path === '/api/voice/entry-points/551130000000') {
        const point = { did: '551130000000', ...(body as object), updated_at: AT };
        points.push(point);
        return { status: 200, body: point };
      }
      if (method === 'DELETE' && path === '/api/voice/entry-points/551130000000') {
        points.pop();
        return { status: 204 };
      }
      return emptyRoutingReads(method, path);
    });
    await screen.findByText('No number is routed yet.');
    fireEvent.click(screen.getByTestId('did-create'));
    const dialog = await screen.findByTestId('did-dialog');
    fireEvent.click(within(dialog).getByTestId('did-save'));
    await within(dialog).findByText('Enter the number.');
    fireEvent.change(within(dialog).getByLabelText('Number (DID)'), { target: { value: '551130000000' } });
    fireEvent.change(within(dialog).getByLabelText('Default queue'), { target: { value: ID(3) } });
    fireEvent.click(within(dialog).getByTestId('did-save'));
    const row = await screen.findByTestId('did-row');
    expect(row.textContent).toContain('Telefone');
    expect(services.requests.find((r) => r.method === 'PUT')?.body).toEqual({ default_queue_id: ID(3), menu: null });
    fireEvent.click(within(row).getByTestId('did-delete'));
    await waitFor(() => expect(openConfirm()).toBeTruthy());
    fireEvent.click(within(openConfirm()!).getByTestId('confirm-accept'));
    await screen.findByText('No number is routed yet.');
  });
});

describe('Admin › Queues › Routing settings', () => {
  it('names the time zone in the business hours and saves a new zone, refusing an unknown one first', async () => {
    const services = await renderSignedIn(<RoutingAdmin />, (method, path, body) => {
      if (method === 'PUT' && path === '/api/routing/settings') return { status: 200, body };
      if (method === 'GET' && path === '/api/queues') return { status: 200, body: { items: [] } };
      return emptyRoutingReads(method, path);
    });
    const zone = await screen.findByLabelText<HTMLInputElement>('Company time zone');
    await waitFor(() => expect(zone.value).toBe('America/Sao_Paulo'));
    fireEvent.click(screen.getByTestId('queue-create'));
    const dialog = await screen.findByTestId('queue-dialog');
    fireEvent.click(within(dialog).getByTestId('queue-hours-on'));
    expect(within(dialog).getByText(/time zone \(America\/Sao_Paulo\)/)).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));

    fireEvent.change(zone, { target: { value: 'Mars/Olympus' } });
    fireEvent.click(screen.getByTestId('routing-settings-save'));
    await waitFor(() => expect(zone.getAttribute('aria-invalid')).toBe('true'));
    fireEvent.change(zone, { target: { value: 'America/Manaus' } });
    fireEvent.click(screen.getByTestId('routing-settings-save'));
    await within(screen.getByTestId('routing-settings')).findByText('Saved.');
    expect(services.requests.filter((r) => r.method === 'PUT').map((r) => r.body)).toEqual([
      { time_zone: 'America/Manaus', language: 'pt-BR' },
    ]);
  });
});

describe('Admin › Pause reasons', () => {
  it('adds a reason and removes it after confirming', async () => {
    const items = [{ id: ID(1), name: 'Almoço', created_at: AT }];
    await renderSignedIn(<PauseReasonsAdmin />, (method, path, body) => {
      if (method === 'GET' && path === '/api/presence/pause-reasons') return { status: 200, body: { items } };
      if (method === 'POST' && path === '/api/presence/pause-reasons') {
        const created = { id: ID(2), name: (body as { name: string }).name, created_at: AT };
        items.push(created);
        return { status: 201, body: created };
      }
      if (method === 'DELETE' && path === `/api/presence/pause-reasons/${ID(2)}`) {
        items.pop();
        return { status: 204 };
      }
      return undefined;
    });
    await screen.findByText('Almoço');
    const add = screen.getByTestId('pause-reason-add');
    fireEvent.change(within(add).getByLabelText('Reason'), { target: { value: 'Pausa NR-17' } });
    fireEvent.submit(add);
    await screen.findByText('Pausa NR-17');
    const rows = screen.getAllByTestId('pause-reason-row');
    fireEvent.click(within(rows[1]!).getByTestId('pause-reason-delete'));
    fireEvent.click(within(await screen.findByTestId('confirm-dialog')).getByTestId('confirm-accept'));
    await waitFor(() => expect(screen.queryByText('Pausa NR-17')).toBeNull());
  });
});

describe('Admin › Users › Routing', () => {
  it('edits an agent’s skills and capacity and shows a refused level on its field', async () => {
    let skillsTries = 0;
    const services = await renderSignedIn(<UsersAdmin />, (method, path, body) => {
      if (method === 'GET' && path === '/api/users') {
        return { status: 200, body: { items: [agentUser(ANA, 'Ana', 'ana@acme.test')], next_cursor: null } };
      }
      if (method === 'GET' && path === `/api/users/${ANA}/routing`) {
        return {
          status: 200,
          body: {
            user_id: ANA,
            capacity: { whatsapp: 3, webchat: 3, voice: 1 },
            skills: [{ name: 'vendas', level: 4 }],
          },
        };
      }
      if (method === 'PUT' && path === `/api/users/${ANA}/skills`) {
        skillsTries += 1;
        if (skillsTries === 1) {
          return {
            status: 400,
            body: {
              type: 'about:blank',
              title: 'Bad Request',
              status: 400,
              code: 'request.invalid',
              errors: [{ field: 'body.1.level', message: 'Too big: expected number to be <=10' }],
            },
          };
        }
        return { status: 200, body: { user_id: ANA, capacity: { whatsapp: 3, webchat: 3, voice: 1 }, skills: body } };
      }
      if (method === 'PATCH' && path === `/api/users/${ANA}`) {
        return { status: 200, body: { user_id: ANA, capacity: { whatsapp: 2, webchat: 1, voice: 1 }, skills: [] } };
      }
      return undefined;
    });
    await screen.findByText('ana@acme.test');
    fireEvent.click(screen.getByTestId('user-routing'));
    const dialog = await screen.findByTestId('agent-routing-dialog');
    await waitFor(() => expect(within(dialog).getByLabelText<HTMLInputElement>('Skill').value).toBe('vendas'));
    fireEvent.click(within(dialog).getByTestId('skill-add'));
    const names = within(dialog).getAllByLabelText<HTMLInputElement>('Skill');
    const levels = within(dialog).getAllByLabelText<HTMLInputElement>('Level (1–10)');
    fireEvent.change(names[1]!, { target: { value: 'espanhol' } });
    fireEvent.change(levels[1]!, { target: { value: '12' } });
    fireEvent.change(within(dialog).getByLabelText('WhatsApp'), { target: { value: '2' } });
    fireEvent.change(within(dialog).getByLabelText('Web chat'), { target: { value: '1' } });
    fireEvent.click(within(dialog).getByTestId('agent-routing-save'));
    await waitFor(() => expect(levels[1]!.getAttribute('aria-invalid')).toBe('true'));
    expect(services.requests.filter((r) => r.method === 'PATCH')).toEqual([]);

    fireEvent.change(levels[1]!, { target: { value: '8' } });
    fireEvent.click(within(dialog).getByTestId('agent-routing-save'));
    await waitFor(() => expect(screen.queryByTestId('agent-routing-save')).toBeNull());
    expect(services.requests.filter((r) => r.method !== 'GET').map((r) => [r.method, r.path, r.body])).toEqual([
      [
        'PUT',
        `/api/users/${ANA}/skills`,
        [
          { name: 'vendas', level: 4 },
          { name: 'espanhol', level: 12 },
        ],
      ],
      [
        'PUT',
        `/api/users/${ANA}/skills`,
        [
          { name: 'vendas', level: 4 },
          { name: 'espanhol', level: 8 },
        ],
      ],
      ['PATCH', `/api/users/${ANA}`, { capacity: { whatsapp: 2, webchat: 1 } }],
    ]);
  });
});
