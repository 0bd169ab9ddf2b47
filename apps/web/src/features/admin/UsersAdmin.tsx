/** Users: list with filters, create, edit (role, active), deactivate, and their SIP device. */
import { useMemo, useState, type FormEvent } from 'react';
import {
  createUserBodySchema,
  pageSchema,
  roles,
  updateUserBodySchema,
  userSchema,
  type Role,
  type User,
} from '@switchboard/contracts';
import { useApi, useCurrentUser } from '../../app/services';
import { ApiError } from '../../shared/api/api-error';
import { fieldErrorsOf } from '../auth/password-reason';
import { useI18n } from '../../shared/i18n/i18n';
import { Dialog, Empty, ErrorMessage, Loading } from '../../shared/ui/components';
import { DataTable } from '../../shared/ui/DataTable';
import { useAsync } from '../../shared/ui/hooks';
import { DeviceDialog } from './DeviceDialog';

const userPage = pageSchema(userSchema);

export function UsersAdmin() {
  const api = useApi();
  const me = useCurrentUser();
  const { t, dateTime } = useI18n();
  const [q, setQ] = useState('');
  const [role, setRole] = useState('');
  const [activity, setActivity] = useState('true');
  const [generation, setGeneration] = useState(0);
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [deviceOf, setDeviceOf] = useState<User | null>(null);
  const [error, setError] = useState<unknown>(null);
  const query = useMemo(
    () => ({ q: q.trim() || undefined, role: role || undefined, is_active: activity || undefined, limit: 200 }),
    [q, role, activity],
  );
  const users = useAsync(
    (signal) => api.request('GET', '/api/users', { query, schema: userPage, signal }),
    `users:${JSON.stringify(query)}:${generation}`,
  );
  const isAdmin = me.role === 'admin';

  const deactivate = async (user: User) => {
    if (!window.confirm(t('admin.confirm_deactivate', { name: user.name }))) return;
    setError(null);
    try {
      await api.request('DELETE', `/api/users/${user.id}`);
      setGeneration((n) => n + 1);
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <section aria-labelledby="users-title" data-testid="users-admin">
      <header className="panel-header">
        <h2 id="users-title">{t('admin.users')}</h2>
        {isAdmin ? (
          <button type="button" className="primary" onClick={() => setEditing('new')} data-testid="user-create">
            {t('admin.new_user')}
          </button>
        ) : null}
      </header>
      <div className="filters">
        <input
          type="search"
          value={q}
          onChange={(event) => setQ(event.target.value)}
          placeholder={t('admin.search_users')}
          aria-label={t('admin.search_users')}
        />
        <select value={role} onChange={(event) => setRole(event.target.value)} aria-label={t('admin.role')}>
          <option value="">{t('admin.any_role')}</option>
          {roles.map((value) => (
            <option key={value} value={value}>
              {t(`role.${value}`)}
            </option>
          ))}
        </select>
        <select value={activity} onChange={(event) => setActivity(event.target.value)} aria-label={t('admin.active')}>
          <option value="true">{t('admin.active_only')}</option>
          <option value="false">{t('admin.inactive_only')}</option>
          <option value="">{t('admin.everyone')}</option>
        </select>
      </div>
      <ErrorMessage error={error ?? users.error} />
      {users.isLoading && !users.data ? <Loading /> : null}
      {users.data && users.data.items.length === 0 ? <Empty>{t('admin.no_users')}</Empty> : null}
      {users.data && users.data.items.length > 0 ? (
        <DataTable
          testId="users-table"
          rows={users.data.items}
          rowKey={(user) => user.id}
          rowProps={(user) => ({
            'data-testid': 'user-row',
            'data-email': user.email,
            className: user.is_active ? '' : 'is-inactive',
          })}
          columns={[
            {
              key: 'name',
              header: t('admin.name'),
              cell: (user) => (
                <>
                  {user.name}
                  {!user.is_active ? <span className="tag">{t('admin.inactive')}</span> : null}
                </>
              ),
            },
            { key: 'email', header: t('admin.email'), className: 'wrap-anywhere', cell: (user) => user.email },
            { key: 'role', header: t('admin.role'), cell: (user) => t(`role.${user.role}`) },
            {
              key: 'extension',
              header: t('admin.extension'),
              cell: (user) => (user.device ? `${user.device.extension} (${user.device.template})` : '—'),
            },
            { key: 'login', header: t('admin.last_login'), cell: (user) => dateTime(user.last_login_at) },
            {
              key: 'actions',
              header: t('admin.actions'),
              className: 'row-actions',
              cell: (user) => (
                <>
                  {isAdmin ? (
                    <button type="button" onClick={() => setEditing(user)} data-testid="user-edit">
                      {t('common.edit')}
                    </button>
                  ) : null}
                  {user.device && (isAdmin || user.id === me.id) ? (
                    <button type="button" onClick={() => setDeviceOf(user)} data-testid="user-device">
                      {t('admin.device')}
                    </button>
                  ) : null}
                  {isAdmin && user.is_active && user.id !== me.id ? (
                    <button
                      type="button"
                      className="danger"
                      onClick={() => void deactivate(user)}
                      data-testid="user-deactivate"
                    >
                      {t('admin.deactivate')}
                    </button>
                  ) : null}
                </>
              ),
            },
          ]}
        />
      ) : null}
      <UserDialog
        user={editing}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          setGeneration((n) => n + 1);
        }}
      />
      <DeviceDialog user={deviceOf} onClose={() => setDeviceOf(null)} />
    </section>
  );
}

interface UserForm {
  name: string;
  email: string;
  role: Role;
  phone: string;
  password: string;
  deviceTemplate: '' | 'webrtc' | 'sip';
  isActive: boolean;
}

function formOf(user: User | 'new' | null): UserForm {
  if (user === null || user === 'new') {
    return { name: '', email: '', role: 'agent', phone: '', password: '', deviceTemplate: 'webrtc', isActive: true };
  }
  return {
    name: user.name,
    email: user.email,
    role: user.role,
    phone: user.phone ?? '',
    password: '',
    deviceTemplate: '',
    isActive: user.is_active,
  };
}

function UserDialog({
  user,
  onClose,
  onSaved,
}: {
  user: User | 'new' | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { t } = useI18n();
  const key = user === null ? 'none' : user === 'new' ? 'new' : user.id;
  return (
    <Dialog
      title={user === 'new' ? t('admin.new_user') : t('admin.edit_user')}
      isOpen={user !== null}
      onClose={onClose}
      testId="user-dialog"
    >
      {user !== null ? <UserFormBody key={key} user={user} onSaved={onSaved} onCancel={onClose} /> : null}
    </Dialog>
  );
}

function UserFormBody({ user, onSaved, onCancel }: { user: User | 'new'; onSaved: () => void; onCancel: () => void }) {
  const api = useApi();
  const { t } = useI18n();
  const [form, setForm] = useState<UserForm>(() => formOf(user));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setIsBusy] = useState(false);
  const isNew = user === 'new';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const body = isNew
      ? {
          email: form.email,
          name: form.name,
          role: form.role,
          password: form.password,
          ...(form.phone.trim() ? { phone: form.phone } : {}),
          ...(form.deviceTemplate ? { device_template: form.deviceTemplate } : {}),
        }
      : {
          email: form.email,
          name: form.name,
          role: form.role,
          phone: form.phone.trim() ? form.phone : null,
          is_active: form.isActive,
          ...(form.password ? { password: form.password } : {}),
        };
    const parsed = (isNew ? createUserBodySchema : updateUserBodySchema).safeParse(body);
    if (!parsed.success) {
      setFieldErrors(Object.fromEntries(parsed.error.issues.map((issue) => [String(issue.path[0]), issue.message])));
      return;
    }
    setFieldErrors({});
    setIsBusy(true);
    try {
      if (isNew) await api.request('POST', '/api/users', { body: parsed.data, schema: userSchema });
      else await api.request('PUT', `/api/users/${user.id}`, { body: parsed.data, schema: userSchema });
      onSaved();
    } catch (failure) {
      if (failure instanceof ApiError) setFieldErrors(fieldErrorsOf(t, failure));
      setError(failure);
    } finally {
      setIsBusy(false);
    }
  };

  const field = (name: keyof UserForm) => ({
    value: String(form[name]),
    onChange: (event: { target: { value: string } }) => setForm((f) => ({ ...f, [name]: event.target.value })),
  });
  const hint = (name: string) =>
    fieldErrors[name] ? (
      <span className="error small" role="alert">
        {fieldErrors[name]}
      </span>
    ) : null;

  return (
    <form onSubmit={(event) => void submit(event)} className="stack" noValidate>
      <label>
        {t('admin.name')}
        <input type="text" required maxLength={120} {...field('name')} data-testid="user-name" />
        {hint('name')}
      </label>
      <label>
        {t('admin.email')}
        <input type="email" required {...field('email')} data-testid="user-email" />
        {hint('email')}
      </label>
      <label>
        {t('admin.role')}
        <select {...field('role')} data-testid="user-role">
          {roles.map((value) => (
            <option key={value} value={value}>
              {t(`role.${value}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('admin.phone')}
        <input type="tel" {...field('phone')} />
        {hint('phone')}
      </label>
      <label>
        {isNew ? t('admin.password') : t('admin.new_password')}
        <input type="password" autoComplete="new-password" {...field('password')} data-testid="user-password" />
        <span className="muted small">{t('admin.password_hint')}</span>
        {hint('password')}
      </label>
      {isNew ? (
        <label>
          {t('admin.device_template')}
          <select {...field('deviceTemplate')}>
            <option value="webrtc">{t('admin.template_webrtc')}</option>
            <option value="sip">{t('admin.template_sip')}</option>
          </select>
        </label>
      ) : (
        <label className="checkbox">
          <input
            type="checkbox"
            checked={form.isActive}
            onChange={(event) => setForm((f) => ({ ...f, isActive: event.target.checked }))}
          />
          {t('admin.active')}
        </label>
      )}
      <ErrorMessage error={error} />
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="primary" disabled={isBusy} data-testid="user-save">
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}
