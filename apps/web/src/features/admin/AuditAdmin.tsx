/**
 * Admin › Audit: the audit log (GET /api/audit-log, admins only), newest first, paged by
 * cursor, filtered by who, which action and a date range (days in the browser's time zone;
 * the end day included). Read-only: no route edits the trail.
 */
import { AUDIT_ACTIONS, auditEntrySchema, pageSchema, userSchema, type AuditEntryDto } from '@switchboard/contracts';
import { useMemo, useState } from 'react';
import { useApi } from '../../app/services';
import { AdminTable, useResourceList } from '../../shared/admin';
import { useI18n } from '../../shared/i18n/i18n';
import type { MessageKey } from '../../shared/i18n/messages-en';
import { useAsync } from '../../shared/ui/hooks';

const auditPage = pageSchema(auditEntrySchema);
const userPage = pageSchema(userSchema);

/** The actions the server records (docs/adr/0021, the contract's list); others show as their code. */
export const AUDITED_ACTIONS = AUDIT_ACTIONS;

interface Filters {
  actor: string;
  action: string;
  from: string;
  to: string;
}

const NO_FILTERS: Filters = { actor: '', action: '', from: '', to: '' };

/** `yyyy-mm-dd` at the browser's midnight, as an instant; `days` later for an exclusive end. */
export function dayStart(day: string, days = 0): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days).toISOString();
}

export function AuditAdmin() {
  const api = useApi();
  const { t, dateTime } = useI18n();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  const users = useAsync(
    (signal) => api.request('GET', '/api/users', { query: { limit: 200 }, schema: userPage, signal }),
    'audit-users',
  );
  const names = useMemo(() => new Map((users.data?.items ?? []).map((user) => [user.id, user.name])), [users.data]);
  const query = useMemo(
    () => ({
      limit: 50,
      actor_user_id: applied.actor || undefined,
      action: applied.action || undefined,
      from: dayStart(applied.from),
      to: dayStart(applied.to, 1),
    }),
    [applied],
  );
  const entries = useResourceList({ path: '/api/audit-log', query, schema: auditPage });
  const actionLabel = (action: string) =>
    (AUDITED_ACTIONS as readonly string[]).includes(action) ? t(`audit.action.${action}` as MessageKey) : action;
  const actorOf = (entry: AuditEntryDto) => {
    if (entry.actor_type === 'system') return t('audit.system');
    if (entry.actor_type === 'api_key') return `${t('audit.api_key')} ${entry.actor_api_key_id?.slice(0, 8) ?? ''}`;
    return (entry.actor_user_id && names.get(entry.actor_user_id)) ?? entry.actor_user_id ?? '—';
  };
  const set = (patch: Partial<Filters>) => setDraft((current) => ({ ...current, ...patch }));

  return (
    <section aria-label={t('audit.title')} data-testid="audit-admin">
      <h2>{t('audit.title')}</h2>
      <form
        className="admin-add audit-filters"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(draft);
        }}
        data-testid="audit-filters"
      >
        <label>
          {t('audit.actor')}
          <select
            value={draft.actor}
            onChange={(event) => set({ actor: event.target.value })}
            data-testid="audit-actor"
          >
            <option value="">{t('audit.any_actor')}</option>
            {(users.data?.items ?? []).map((user) => (
              <option key={user.id} value={user.id}>
                {user.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('audit.action')}
          <select
            value={draft.action}
            onChange={(event) => set({ action: event.target.value })}
            data-testid="audit-action"
          >
            <option value="">{t('audit.any_action')}</option>
            {AUDITED_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {actionLabel(action)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('audit.from')}
          <input
            type="date"
            value={draft.from}
            onChange={(event) => set({ from: event.target.value })}
            data-testid="audit-from"
          />
        </label>
        <label>
          {t('audit.to')}
          <input
            type="date"
            value={draft.to}
            onChange={(event) => set({ to: event.target.value })}
            data-testid="audit-to"
          />
        </label>
        <div className="filter-actions">
          <button type="submit" className="primary" data-testid="audit-apply">
            {t('common.apply')}
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft(NO_FILTERS);
              setApplied(NO_FILTERS);
            }}
          >
            {t('common.clear')}
          </button>
        </div>
      </form>
      <AdminTable
        rows={entries.items}
        error={entries.error}
        empty={t('audit.none')}
        hasMore={entries.hasMore}
        onLoadMore={entries.loadMore}
        rowKey={(entry) => entry.id}
        rowProps={(entry) => ({ 'data-action': entry.action })}
        testId="audit-table"
        caption={t('audit.title')}
        columns={[
          {
            key: 'when',
            header: t('audit.when'),
            cell: (entry) => <time dateTime={entry.created_at}>{dateTime(entry.created_at)}</time>,
          },
          { key: 'actor', header: t('audit.actor'), cell: (entry) => actorOf(entry) },
          { key: 'action', header: t('audit.action'), cell: (entry) => actionLabel(entry.action) },
          {
            key: 'target',
            header: t('audit.target'),
            cell: (entry) =>
              entry.target_type ? `${entry.target_type} ${entry.target_id?.slice(0, 8) ?? ''}`.trim() : '—',
          },
          { key: 'address', header: t('audit.address'), cell: (entry) => entry.ip ?? '—' },
        ]}
      />
    </section>
  );
}
