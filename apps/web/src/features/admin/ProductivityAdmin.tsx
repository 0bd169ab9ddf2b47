/**
 * Admin screens of issue 12 and 14, kept simple on the shared DataTable: disposition codes
 * (`/api/dispositions`), labels (`/api/labels`) and the company's canned responses
 * (`/api/canned-responses`). Each is a small add form above the list with its row actions.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
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
import { useI18n } from '../../shared/i18n/i18n';
import { Empty, ErrorMessage, Loading } from '../../shared/ui/components';
import { DataTable } from '../../shared/ui/DataTable';
import { useAsync } from '../../shared/ui/hooks';
import { LabelChip } from '../inbox/LabelPicker';

const dispositionList = z.object({ items: z.array(dispositionSchema) });
const cannedList = z.object({ items: z.array(cannedResponseSchema) });

/** A row of inputs and an add button; the error of the last attempt under it. */
function AddForm({
  onSubmit,
  children,
  testId,
}: {
  onSubmit: () => Promise<void>;
  children: ReactNode;
  testId: string;
}) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setIsBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setIsBusy(true);
    setError(null);
    try {
      await onSubmit();
    } catch (failure) {
      setError(failure);
    } finally {
      setIsBusy(false);
    }
  };
  return (
    <form className="admin-add" onSubmit={(event) => void submit(event)} data-testid={testId}>
      {children}
      <button type="submit" className="primary" disabled={isBusy}>
        {t('common.add')}
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}

export function DispositionsAdmin() {
  const api = useApi();
  const { t } = useI18n();
  const list = useAsync((signal) => api.request('GET', '/api/dispositions', { schema: dispositionList, signal }), 'd');
  const [code, setCode] = useState('');
  const [label, setLabel] = useState('');
  const [error, setError] = useState<unknown>(null);
  const act = (action: () => Promise<unknown>) =>
    action().then(
      () => list.reload(),
      (failure: unknown) => setError(failure),
    );
  return (
    <section className="stack" data-testid="dispositions-admin">
      <AddForm
        testId="disposition-add"
        onSubmit={async () => {
          await api.request('POST', '/api/dispositions', { body: { code, label }, schema: dispositionSchema });
          setCode('');
          setLabel('');
          list.reload();
        }}
      >
        <label>
          {t('dispositions.code')}
          <input value={code} onChange={(e) => setCode(e.target.value)} required maxLength={40} />
        </label>
        <label>
          {t('dispositions.label')}
          <input value={label} onChange={(e) => setLabel(e.target.value)} required maxLength={120} />
        </label>
      </AddForm>
      <ErrorMessage error={error ?? list.error} />
      {list.isLoading && !list.data ? <Loading /> : null}
      {list.data && list.data.items.length === 0 ? <Empty>{t('dispositions.empty')}</Empty> : null}
      {list.data && list.data.items.length > 0 ? (
        <DataTable<DispositionDto>
          testId="dispositions-table"
          rows={list.data.items}
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
                    void act(() =>
                      api.request('PATCH', `/api/dispositions/${row.id}`, {
                        body: { active: !row.active },
                        schema: dispositionSchema,
                      }),
                    )
                  }
                />
              ),
            },
            {
              key: 'actions',
              header: t('admin.actions'),
              cell: (row) => (
                <button
                  type="button"
                  className="danger"
                  onClick={() => void act(() => api.request('DELETE', `/api/dispositions/${row.id}`))}
                >
                  {t('common.delete')}
                </button>
              ),
            },
          ]}
        />
      ) : null}
    </section>
  );
}

export function LabelsAdmin() {
  const api = useApi();
  const { t } = useI18n();
  const list = useAsync((signal) => api.request('GET', '/api/labels', { schema: itemLabelsSchema, signal }), 'l');
  const [name, setName] = useState('');
  const [colour, setColour] = useState('#1d4ed8');
  const [error, setError] = useState<unknown>(null);
  return (
    <section className="stack" data-testid="labels-admin">
      <AddForm
        testId="label-add"
        onSubmit={async () => {
          await api.request('POST', '/api/labels', { body: { name, colour }, schema: labelSchema });
          setName('');
          list.reload();
        }}
      >
        <label>
          {t('labels.name')}
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={40} />
        </label>
        <label>
          {t('labels.colour')}
          <input type="color" value={colour} onChange={(e) => setColour(e.target.value)} />
        </label>
      </AddForm>
      <ErrorMessage error={error ?? list.error} />
      {list.isLoading && !list.data ? <Loading /> : null}
      {list.data && list.data.items.length === 0 ? <Empty>{t('labels.none')}</Empty> : null}
      {list.data && list.data.items.length > 0 ? (
        <DataTable<LabelDto>
          testId="labels-table"
          rows={list.data.items}
          rowKey={(row) => row.id}
          columns={[
            { key: 'name', header: t('labels.name'), cell: (row) => <LabelChip label={row} /> },
            { key: 'colour', header: t('labels.colour'), cell: (row) => <code>{row.colour}</code> },
            {
              key: 'actions',
              header: t('admin.actions'),
              cell: (row) => (
                <button
                  type="button"
                  className="danger"
                  onClick={() =>
                    void api.request('DELETE', `/api/labels/${row.id}`).then(
                      () => list.reload(),
                      (failure: unknown) => setError(failure),
                    )
                  }
                >
                  {t('common.delete')}
                </button>
              ),
            },
          ]}
        />
      ) : null}
    </section>
  );
}

export function CannedAdmin() {
  const api = useApi();
  const { t } = useI18n();
  const list = useAsync((signal) => api.request('GET', '/api/canned-responses', { schema: cannedList, signal }), 'c');
  const [shortcut, setShortcut] = useState('');
  const [body, setBody] = useState('');
  const [scope, setScope] = useState<'company' | 'personal'>('company');
  const [error, setError] = useState<unknown>(null);
  return (
    <section className="stack" data-testid="canned-admin">
      <AddForm
        testId="canned-add"
        onSubmit={async () => {
          await api.request('POST', '/api/canned-responses', {
            body: { scope, shortcut, body },
            schema: cannedResponseSchema,
          });
          setShortcut('');
          setBody('');
          list.reload();
        }}
      >
        <label>
          {t('canned.shortcut')}
          <input value={shortcut} onChange={(e) => setShortcut(e.target.value)} required maxLength={40} />
        </label>
        <label>
          {t('canned.scope')}
          <select value={scope} onChange={(e) => setScope(e.target.value as 'company' | 'personal')}>
            <option value="company">{t('canned.scope.company')}</option>
            <option value="personal">{t('canned.scope.personal')}</option>
          </select>
        </label>
        <label className="wide">
          {t('canned.body')}
          <textarea value={body} onChange={(e) => setBody(e.target.value)} required maxLength={4000} rows={2} />
          <span className="muted small">{t('canned.variables')}</span>
        </label>
      </AddForm>
      <ErrorMessage error={error ?? list.error} />
      {list.isLoading && !list.data ? <Loading /> : null}
      {list.data && list.data.items.length === 0 ? <Empty>{t('canned.empty')}</Empty> : null}
      {list.data && list.data.items.length > 0 ? (
        <DataTable<CannedResponseDto>
          testId="canned-table"
          rows={list.data.items}
          rowKey={(row) => row.id}
          columns={[
            { key: 'shortcut', header: t('canned.shortcut'), cell: (row) => <code>/{row.shortcut}</code> },
            { key: 'body', header: t('canned.body'), cell: (row) => <span className="canned-text">{row.body}</span> },
            { key: 'scope', header: t('canned.scope'), cell: (row) => t(`canned.scope.${row.scope}`) },
            {
              key: 'actions',
              header: t('admin.actions'),
              cell: (row) => (
                <button
                  type="button"
                  className="danger"
                  onClick={() =>
                    void api.request('DELETE', `/api/canned-responses/${row.id}`).then(
                      () => list.reload(),
                      (failure: unknown) => setError(failure),
                    )
                  }
                >
                  {t('common.delete')}
                </button>
              ),
            },
          ]}
        />
      ) : null}
    </section>
  );
}
