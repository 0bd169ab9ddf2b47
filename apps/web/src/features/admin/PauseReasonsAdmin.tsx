/**
 * Admin › Pause reasons (`/api/presence/pause-reasons`): the reasons agents choose when they
 * go away (almoço, treinamento, pausa NR-17), stored with the status change and reported.
 */
import { z } from 'zod';
import { pauseReasonSchema } from '@switchboard/contracts';
import { useApi } from '../../app/services';
import { AdminForm, AdminTable, TextField, useActions, useForm, useResourceList } from '../../shared/admin';
import { useI18n } from '../../shared/i18n/i18n';

const reasonList = z.object({ items: z.array(pauseReasonSchema) });
type PauseReason = z.infer<typeof pauseReasonSchema>;

export function PauseReasonsAdmin() {
  const api = useApi();
  const { t, dateTime } = useI18n();
  const list = useResourceList({ path: '/api/presence/pause-reasons', schema: reasonList });
  const actions = useActions(list.reload);
  const form = useForm({ name: '' });
  return (
    <section aria-labelledby="pause-reasons-title" className="stack" data-testid="pause-reasons-admin">
      <h2 id="pause-reasons-title">{t('admin.pause-reasons')}</h2>
      <p className="muted small">{t('pause.hint')}</p>
      <AdminForm
        form={form}
        layout="row"
        testId="pause-reason-add"
        submitLabel={t('common.add')}
        submitTestId="pause-reason-save"
        onSubmit={async () => {
          await api.request('POST', '/api/presence/pause-reasons', { body: form.values, schema: pauseReasonSchema });
          form.reset();
          list.reload();
        }}
      >
        <TextField
          label={t('pause.name')}
          {...form.field('name')}
          required
          maxLength={60}
          placeholder={t('pause.placeholder')}
          data-testid="pause-reason-name"
        />
      </AdminForm>
      <AdminTable<PauseReason>
        rows={list.items}
        error={actions.error ?? list.error}
        empty={t('pause.empty')}
        testId="pause-reasons-table"
        rowKey={(row) => row.id}
        rowProps={(row) => ({ 'data-testid': 'pause-reason-row', 'data-name': row.name })}
        columns={[
          { key: 'name', header: t('pause.name'), cell: (row) => row.name },
          { key: 'created', header: t('pause.created'), cell: (row) => dateTime(row.created_at) },
          {
            key: 'actions',
            header: t('admin.actions'),
            className: 'row-actions',
            cell: (row) => (
              <button
                type="button"
                className="danger"
                data-testid="pause-reason-delete"
                onClick={() =>
                  void actions.run(() => api.request('DELETE', `/api/presence/pause-reasons/${row.id}`), {
                    message: t('pause.delete_confirm', { name: row.name }),
                    confirmLabel: t('common.delete'),
                  })
                }
              >
                {t('common.delete')}
              </button>
            ),
          },
        ]}
      />
      {actions.dialog}
    </section>
  );
}
