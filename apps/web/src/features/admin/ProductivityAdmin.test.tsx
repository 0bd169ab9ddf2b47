import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ID } from '../../test-support/admin-fixtures';
import { AT, renderSignedIn } from '../../test-support/render-signed-in';
import { DispositionsAdmin, LabelsAdmin } from './ProductivityAdmin';

afterEach(() => cleanup());

describe('ProductivityAdmin', () => {
  it('adds a disposition, switches it off and deletes it, reloading the list after each', async () => {
    const items = [{ id: ID(1), code: 'sale', label: 'Sale', active: true, created_at: AT, updated_at: AT }];
    const services = await renderSignedIn(<DispositionsAdmin />, (method, path, body) => {
      if (method === 'GET' && path === '/api/dispositions') return { status: 200, body: { items } };
      if (method === 'POST' && path === '/api/dispositions') {
        const created = {
          id: ID(2),
          ...(body as { code: string; label: string }),
          active: true,
          created_at: AT,
          updated_at: AT,
        };
        items.push(created);
        return { status: 201, body: created };
      }
      if (method === 'PATCH' && path === `/api/dispositions/${ID(2)}`) {
        items[1]!.active = (body as { active: boolean }).active;
        return { status: 200, body: items[1] };
      }
      if (method === 'DELETE' && path === `/api/dispositions/${ID(2)}`) {
        items.pop();
        return { status: 204 };
      }
      return undefined;
    });
    await screen.findByText('sale');
    const add = screen.getByTestId('disposition-add');
    fireEvent.change(within(add).getByLabelText('Code'), { target: { value: 'callback' } });
    fireEvent.change(within(add).getByLabelText('Label'), { target: { value: 'Call back' } });
    fireEvent.submit(add);
    await screen.findByText('callback');
    expect(within(add).getByLabelText<HTMLInputElement>('Code').value).toBe('');

    fireEvent.click(screen.getByLabelText('Active: callback'));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Active: callback').checked).toBe(false));
    const rows = screen.getByTestId('dispositions-table').querySelectorAll('tbody tr');
    fireEvent.click(within(rows[1] as HTMLElement).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(screen.queryByText('callback')).toBeNull());
    expect(services.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/dispositions',
      'POST /api/dispositions',
      'GET /api/dispositions',
      `PATCH /api/dispositions/${ID(2)}`,
      'GET /api/dispositions',
      `DELETE /api/dispositions/${ID(2)}`,
      'GET /api/dispositions',
    ]);
  });

  it("shows the server's refusal of a new label and keeps what was typed", async () => {
    await renderSignedIn(
      <LabelsAdmin />,
      (method, path) => {
        if (method === 'GET' && path === '/api/labels') return { status: 200, body: { items: [] } };
        if (method === 'POST' && path === '/api/labels') {
          return {
            status: 409,
            body: { type: 'x', title: 'A label with that name exists.', status: 409, code: 'label.exists' },
          };
        }
        return undefined;
      },
      { locale: 'pt-BR' },
    );
    await screen.findByText(/nenhuma/i);
    const add = screen.getByTestId('label-add');
    fireEvent.change(within(add).getByLabelText('Nome'), { target: { value: 'VIP' } });
    fireEvent.submit(add);
    expect((await within(add).findByRole('alert')).textContent).not.toBe('');
    expect(within(add).getByLabelText<HTMLInputElement>('Nome').value).toBe('VIP');
  });
});
