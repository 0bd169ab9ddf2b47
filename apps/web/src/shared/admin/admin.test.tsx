import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useApi as useApiForTest } from '../../app/services';
import { renderSignedIn } from '../../test-support/render-signed-in';
import type { Route } from '../../test-support/services';
import { AdminForm, AdminTable, FormDialog, TextField, useActions, useForm, useResourceList } from './index';

afterEach(() => cleanup());

const itemPage = z.object({
  items: z.array(z.object({ id: z.string(), name: z.string() })),
  next_cursor: z.string().nullable(),
});

function Items() {
  const list = useResourceList({ path: '/api/things', query: { limit: 2 }, schema: itemPage });
  const actions = useActions(list.reload);
  return (
    <>
      <AdminTable
        rows={list.items}
        error={actions.error ?? list.error}
        empty="Nothing yet."
        hasMore={list.hasMore}
        onLoadMore={list.loadMore}
        rowKey={(row) => row.id}
        testId="things"
        columns={[
          { key: 'name', header: 'Name', cell: (row) => row.name },
          {
            key: 'actions',
            header: 'Actions',
            cell: (row) => (
              <button
                type="button"
                onClick={() =>
                  void actions.run(() => deleteThing(row.id), {
                    message: `Delete ${row.name}?`,
                    confirmLabel: 'Delete',
                  })
                }
              >
                Delete {row.name}
              </button>
            ),
          },
        ]}
      />
      {actions.dialog}
    </>
  );
}

let deleteThing: (id: string) => Promise<unknown> = async () => undefined;

const withServices = (route: Route, node: ReactNode) => renderSignedIn(node, route);

describe('AdminTable over useResourceList', () => {
  it('shows loading, then the rows, and appends the next page by cursor', async () => {
    let pages = 0;
    const services = await withServices(
      (method, path) => {
        if (method !== 'GET' || path !== '/api/things') return undefined;
        pages += 1;
        return pages > 1
          ? { status: 200, body: { items: [{ id: '3', name: 'Gamma' }], next_cursor: null } }
          : {
              status: 200,
              body: {
                items: [
                  { id: '1', name: 'Alpha' },
                  { id: '2', name: 'Beta' },
                ],
                next_cursor: 'c2',
              },
            };
      },
      <Items />,
    );
    expect(screen.getByText('Loading…')).toBeTruthy();
    await screen.findByText('Alpha');
    expect(screen.getByTestId('things').querySelectorAll('tbody tr')).toHaveLength(2);
    fireEvent.click(screen.getByTestId('load-more'));
    await screen.findByText('Gamma');
    expect(screen.getByTestId('things').querySelectorAll('tbody tr')).toHaveLength(3);
    expect(screen.queryByTestId('load-more')).toBeNull();
    expect(services.requests.map((r) => r.path)).toEqual(['/api/things?limit=2', '/api/things?limit=2&cursor=c2']);
  });

  it('says so when the list is empty, and shows the failure of a load', async () => {
    await withServices(
      (method, path) =>
        method === 'GET' && path === '/api/things'
          ? { status: 200, body: { items: [], next_cursor: null } }
          : undefined,
      <Items />,
    );
    await screen.findByText('Nothing yet.');
    cleanup();
    await withServices(
      () => ({ status: 500, body: { type: 'x', title: 'Boom', status: 500, code: 'internal' } }),
      <Items />,
    );
    expect((await screen.findByRole('alert')).textContent).toBe('Boom');
    expect(screen.queryByText('Nothing yet.')).toBeNull();
  });

  it('asks before an action, does nothing on cancel, and reloads after a confirmed one', async () => {
    const deleted: string[] = [];
    deleteThing = async (id) => deleted.push(id);
    const services = await withServices(
      (method, path) =>
        method === 'GET' && path === '/api/things'
          ? { status: 200, body: { items: [{ id: '1', name: 'Alpha' }], next_cursor: null } }
          : undefined,
      <Items />,
    );
    fireEvent.click(await screen.findByText('Delete Alpha'));
    const dialog = await screen.findByTestId('confirm-dialog');
    expect(dialog.textContent).toContain('Delete Alpha?');
    fireEvent.click(screen.getByTestId('confirm-cancel'));
    await waitFor(() => expect(screen.queryByTestId('confirm-accept')).toBeNull());
    expect(deleted).toEqual([]);

    fireEvent.click(screen.getByText('Delete Alpha'));
    fireEvent.click(await screen.findByTestId('confirm-accept'));
    await waitFor(() => expect(deleted).toEqual(['1']));
    await waitFor(() => expect(services.requests.filter((r) => r.method === 'GET')).toHaveLength(2));
  });
});

const bodySchema = z.object({ name: z.string().min(3, 'Too short') });

function NameForm({ save }: { save: (name: string) => Promise<unknown> }) {
  const form = useForm({ name: '' });
  return (
    <AdminForm
      form={form}
      savedText="Saved."
      noValidate
      onSubmit={async () => {
        const body = form.validate(bodySchema, form.values);
        if (!body) return;
        await save(body.name);
      }}
    >
      <TextField label="Name" {...form.field('name')} />
    </AdminForm>
  );
}

describe('useForm with AdminForm and the fields', () => {
  it("shows the schema's issue on the field, linked to it, and sends nothing", async () => {
    const saved: string[] = [];
    await withServices(() => undefined, <NameForm save={async (name) => saved.push(name)} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'ab' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const error = await screen.findByText('Too short');
    const input = screen.getByLabelText('Name');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe(error.id);
    expect(saved).toEqual([]);
    expect(screen.queryByRole('status')).toBeNull();
  });

  it("shows the server's field errors from problem+json, then Saved. once it goes through", async () => {
    const services = await withServices(
      (method, path, body) =>
        method === 'POST' && path === '/api/names'
          ? (body as { name: string }).name === 'taken'
            ? {
                status: 400,
                body: {
                  type: 'x',
                  title: 'Invalid',
                  status: 400,
                  code: 'request.invalid',
                  errors: [{ field: 'body.name', message: 'Already in use' }],
                },
              }
            : { status: 201, body: {} }
          : undefined,
      <NameFormOverApi />,
    );
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'taken' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Already in use');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'fresh' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    expect(screen.queryByText('Already in use')).toBeNull();
    expect(services.requests.map((r) => r.body)).toEqual([{ name: 'taken' }, { name: 'fresh' }]);
  });

  it('FormDialog: Cancel closes without saving', async () => {
    const closed: boolean[] = [];
    function Wrapper() {
      const form = useForm({ name: 'Ana' });
      return (
        <FormDialog
          title="Edit"
          isOpen
          onClose={() => closed.push(true)}
          form={form}
          onSubmit={async () => undefined}
          testId="the-dialog"
        >
          <TextField label="Name" {...form.field('name')} />
        </FormDialog>
      );
    }
    await withServices(() => undefined, <Wrapper />);
    expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Ana');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(closed).toEqual([true]);
  });
});

function NameFormOverApi() {
  const services = useApiForTest();
  return <NameForm save={(name) => services.request('POST', '/api/names', { body: { name } })} />;
}
