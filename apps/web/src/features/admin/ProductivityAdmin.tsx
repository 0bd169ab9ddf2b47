/**
 * Admin screens of issue 12 and 14 on the shared admin components: disposition codes
 * (`/api/dispositions`), labels (`/api/labels`) and the company's canned responses
 * (`/api/canned-responses`). Each is a small add form above the list with its row actions.
 */
import { useRef, useState } from 'react';
import { z } from 'zod';
import {
  cannedResponseSchema,
  dispositionSchema,
  itemLabelsSchema,
  labelSchema,
  type CannedResponseDto,
  type DispositionDto,
  type LabelDto,
} from '@switchboard/contracts';
import { useApi } from '../../app/services';
import {
  AdminForm,
  AdminTable,
  SelectField,
  TextAreaField,
  TextField,
  useActions,
  useForm,
  useResourceList,
  type Actions,
} from '../../shared/admin';
import { useI18n, type Translate } from '../../shared/i18n/i18n';
import type { Column } from '../../shared/ui/DataTable';
import { formatFileSize } from '../inbox/canned';
import '../inbox/canned.css';
import { LabelChip } from '../inbox/LabelPicker';
import { productivityApi } from '../inbox/productivity-api';

/** What a canned response's file may be: the types agents send (WhatsApp's). */
const CANNED_FILE_TYPES =
  'image/jpeg,image/png,application/pdf,audio/*,video/mp4,video/3gpp,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.txt';

const dispositionList = z.object({ items: z.array(dispositionSchema) });
const cannedList = z.object({ items: z.array(cannedResponseSchema) });

type ApiLike = ReturnType<typeof useApi>;

/** The last column: a Delete button for the row. */
function deleteColumn<T>(t: Translate, actions: Actions, pathOf: (row: T) => string, api: ApiLike): Column<T> {
  return {
    key: 'actions',
    header: t('admin.actions'),
    cell: (row) => (
      <button
        type="button"
        className="danger"
        onClick={() => void actions.run(() => api.request('DELETE', pathOf(row)))}
      >
        {t('common.delete')}
      </button>
    ),
  };
}

export function DispositionsAdmin() {
  const api = useApi();
  const { t } = useI18n();
  const list = useResourceList({ path: '/api/dispositions', schema: dispositionList });
  const actions = useActions(list.reload);
  const form = useForm({ code: '', label: '' });
  return (
    <section className="stack" data-testid="dispositions-admin">
      <AdminForm
        form={form}
        layout="row"
        testId="disposition-add"
        submitLabel={t('common.add')}
        onSubmit={async () => {
          await api.request('POST', '/api/dispositions', { body: form.values, schema: dispositionSchema });
          form.reset();
          list.reload();
        }}
      >
        <TextField label={t('dispositions.code')} {...form.field('code')} required maxLength={40} />
        <TextField label={t('dispositions.label')} {...form.field('label')} required maxLength={120} />
      </AdminForm>
      <AdminTable<DispositionDto>
        rows={list.items}
        error={actions.error ?? list.error}
        empty={t('dispositions.empty')}
        testId="dispositions-table"
        rowKey={(row) => row.id}
        columns={[
          { key: 'code', header: t('dispositions.code'), cell: (row) => <code>{row.code}</code> },
          { key: 'label', header: t('dispositions.label'), cell: (row) => row.label },
          {
            key: 'active',
            header: t('dispositions.active'),
            cell: (row) => (
              <input
                type="checkbox"
                checked={row.active}
                aria-label={`${t('dispositions.active')}: ${row.code}`}
                onChange={() =>
                  void actions.run(() =>
                    api.request('PATCH', `/api/dispositions/${row.id}`, {
                      body: { active: !row.active },
                      schema: dispositionSchema,
                    }),
                  )
                }
              />
            ),
          },
          deleteColumn(t, actions, (row) => `/api/dispositions/${row.id}`, api),
        ]}
      />
      {actions.dialog}
    </section>
  );
}

export function LabelsAdmin() {
  const api = useApi();
  const { t } = useI18n();
  const list = useResourceList({ path: '/api/labels', schema: itemLabelsSchema });
  const actions = useActions(list.reload);
  const form = useForm({ name: '', colour: '#1d4ed8' });
  return (
    <section className="stack" data-testid="labels-admin">
      <AdminForm
        form={form}
        layout="row"
        testId="label-add"
        submitLabel={t('common.add')}
        onSubmit={async () => {
          await api.request('POST', '/api/labels', { body: form.values, schema: labelSchema });
          form.reset({ ...form.values, name: '' });
          list.reload();
        }}
      >
        <TextField label={t('labels.name')} {...form.field('name')} required maxLength={40} />
        <TextField label={t('labels.colour')} type="color" {...form.field('colour')} />
      </AdminForm>
      <AdminTable<LabelDto>
        rows={list.items}
        error={actions.error ?? list.error}
        empty={t('labels.none')}
        testId="labels-table"
        rowKey={(row) => row.id}
        columns={[
          { key: 'name', header: t('labels.name'), cell: (row) => <LabelChip label={row} /> },
          { key: 'colour', header: t('labels.colour'), cell: (row) => <code>{row.colour}</code> },
          deleteColumn(t, actions, (row) => `/api/labels/${row.id}`, api),
        ]}
      />
      {actions.dialog}
    </section>
  );
}

export function CannedAdmin() {
  const api = useApi();
  const { t } = useI18n();
  const productivity = productivityApi(api);
  const list = useResourceList({ path: '/api/canned-responses', schema: cannedList });
  const actions = useActions(list.reload);
  const form = useForm({ shortcut: '', body: '', scope: 'company' });
  const [file, setFile] = useState<File | null>(null);
  // A new key empties the file input after each add.
  const [fileKey, setFileKey] = useState(0);
  return (
    <section className="stack" data-testid="canned-admin">
      <AdminForm
        form={form}
        layout="row"
        testId="canned-add"
        submitLabel={t('common.add')}
        onSubmit={async () => {
          const created = await api.request('POST', '/api/canned-responses', {
            body: form.values,
            schema: cannedResponseSchema,
          });
          form.reset({ ...form.values, shortcut: '', body: '' });
          // The reply exists even when its file is refused: the error says why, the row offers another try.
          try {
            if (file) await productivity.setCannedFile(created.id, file);
          } finally {
            setFile(null);
            setFileKey((key) => key + 1);
            list.reload();
          }
        }}
      >
        <TextField label={t('canned.shortcut')} {...form.field('shortcut')} required maxLength={40} />
        <SelectField
          label={t('canned.scope')}
          {...form.field('scope')}
          options={[
            { value: 'company', label: t('canned.scope.company') },
            { value: 'personal', label: t('canned.scope.personal') },
          ]}
        />
        <TextAreaField
          className="wide"
          label={t('canned.body')}
          hint={t('canned.variables')}
          {...form.field('body')}
          required
          maxLength={4000}
          rows={2}
        />
        <TextField
          key={fileKey}
          className="wide"
          type="file"
          label={t('canned.attachment')}
          hint={file ? `📎 ${file.name} · ${formatFileSize(file.size)}` : t('canned.file_hint')}
          accept={CANNED_FILE_TYPES}
          data-testid="canned-file"
          onChange={(event) => setFile(event.target.files?.[0] ?? null)}
        />
      </AdminForm>
      <AdminTable<CannedResponseDto>
        rows={list.items}
        error={actions.error ?? list.error}
        empty={t('canned.empty')}
        testId="canned-table"
        rowKey={(row) => row.id}
        columns={[
          { key: 'shortcut', header: t('canned.shortcut'), cell: (row) => <code>/{row.shortcut}</code> },
          { key: 'body', header: t('canned.body'), cell: (row) => <span className="canned-text">{row.body}</span> },
          {
            key: 'attachment',
            header: t('canned.attachment'),
            cell: (row) => <CannedFileCell row={row} actions={actions} api={productivity} />,
          },
          { key: 'scope', header: t('canned.scope'), cell: (row) => t(`canned.scope.${row.scope}`) },
          deleteColumn(t, actions, (row) => `/api/canned-responses/${row.id}`, api),
        ]}
      />
      {actions.dialog}
    </section>
  );
}

/** A row's file: its name and size, and buttons to attach, replace or remove it. */
function CannedFileCell({
  row,
  actions,
  api,
}: {
  row: CannedResponseDto;
  actions: Actions;
  api: ReturnType<typeof productivityApi>;
}) {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="canned-file" data-testid="canned-file-cell">
      {row.attachment ? (
        <span className="canned-file-name">
          📎 {row.attachment.filename ?? row.attachment.kind} · {formatFileSize(row.attachment.size_bytes)}
        </span>
      ) : (
        <span className="muted">{t('canned.no_file')}</span>
      )}
      <input
        ref={input}
        type="file"
        hidden
        accept={CANNED_FILE_TYPES}
        data-testid="canned-file-input"
        onChange={(event) => {
          const chosen = event.target.files?.[0];
          event.target.value = '';
          if (chosen) void actions.run(() => api.setCannedFile(row.id, chosen));
        }}
      />
      <button type="button" className="link" disabled={actions.isBusy} onClick={() => input.current?.click()}>
        {row.attachment ? t('canned.replace_file') : t('canned.attach')}
      </button>
      {row.attachment ? (
        <button
          type="button"
          className="link"
          disabled={actions.isBusy}
          data-testid="canned-file-remove"
          onClick={() => void actions.run(() => api.removeCannedFile(row.id))}
        >
          {t('canned.remove_file')}
        </button>
      ) : null}
    </div>
  );
}
