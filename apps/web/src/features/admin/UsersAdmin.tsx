/** Users: list with filters, create, edit (role, active), deactivate, their SIP device and routing (skills, capacity). */
import { useState } from 'react';
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
import {
  AdminTable,
  CheckboxField,
  FormDialog,
  SelectField,
  TextField,
  useActions,
  useForm,
  useResourceList,
} from '../../shared/admin';
import { useI18n } from '../../shared/i18n/i18n';
import { fieldErrorsOf } from '../auth/password-reason';
import { AgentRoutingDialog } from './AgentRoutingDialog';
import { DeviceDialog } from './DeviceDialog';

const userPage = pageSchema(userSchema);

export function UsersAdmin() {
  const api = useApi();
  const me = useCurrentUser();
  const { t, dateTime } = useI18n();
  const [q, setQ] = useState('');
  const [role, setRole] = useState('');
  const [activity, setActivity] = useState('true');
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [deviceOf, setDeviceOf] = useState<User | null>(null);
  const [routingOf, setRoutingOf] = useState<User | null>(null);
  const users = useResourceList({
    path: '/api/users',
    query: { q: q.trim() || undefined, role: role || undefined, is_active: activity || undefined, limit: 200 },
    schema: userPage,
  });
  const actions = useActions(users.reload);
  const isAdmin = me.role === 'admin';

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
      <AdminTable
        rows={users.items}
        error={actions.error ?? users.error}
        empty={t('admin.no_users')}
        hasMore={users.hasMore}
        onLoadMore={users.loadMore}
        testId="users-table"
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
                {isAdmin && user.is_active ? (
                  <button type="button" onClick={() => setRoutingOf(user)} data-testid="user-routing">
                    {t('agent_routing.button')}
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
                    onClick={() =>
                      void actions.run(() => api.request('DELETE', `/api/users/${user.id}`), {
                        message: t('admin.confirm_deactivate', { name: user.name }),
                        confirmLabel: t('admin.deactivate'),
                      })
                    }
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
      {actions.dialog}
      <UserDialog
        user={editing}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          users.reload();
        }}
      />
      <DeviceDialog user={deviceOf} onClose={() => setDeviceOf(null)} />
      <AgentRoutingDialog user={routingOf} onClose={() => setRoutingOf(null)} />
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

function bodyOf(form: UserForm, isNew: boolean) {
  if (isNew) {
    return {
      email: form.email,
      name: form.name,
      role: form.role,
      password: form.password,
      ...(form.phone.trim() ? { phone: form.phone } : {}),
      ...(form.deviceTemplate ? { device_template: form.deviceTemplate } : {}),
    };
  }
  return {
    email: form.email,
    name: form.name,
    role: form.role,
    phone: form.phone.trim() ? form.phone : null,
    is_active: form.isActive,
    ...(form.password ? { password: form.password } : {}),
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
  const api = useApi();
  const { t } = useI18n();
  const form = useForm<UserForm>(formOf(null), { fieldErrorsOf: (failure) => fieldErrorsOf(t, failure) });
  const isNew = user === 'new';
  // A fresh form for each user the dialog opens on.
  const key = user === null ? 'none' : user === 'new' ? 'new' : user.id;
  const [openedFor, setOpenedFor] = useState(key);
  if (openedFor !== key) {
    setOpenedFor(key);
    form.reset(formOf(user));
  }

  const save = async () => {
    if (user === null) return;
    const body = form.validate(isNew ? createUserBodySchema : updateUserBodySchema, bodyOf(form.values, isNew));
    if (!body) return;
    if (user === 'new') await api.request('POST', '/api/users', { body, schema: userSchema });
    else await api.request('PUT', `/api/users/${user.id}`, { body, schema: userSchema });
    onSaved();
  };

  return (
    <FormDialog
      title={isNew ? t('admin.new_user') : t('admin.edit_user')}
      isOpen={user !== null}
      onClose={onClose}
      form={form}
      onSubmit={save}
      noValidate
      testId="user-dialog"
      submitTestId="user-save"
    >
      <TextField label={t('admin.name')} {...form.field('name')} required maxLength={120} data-testid="user-name" />
      <TextField label={t('admin.email')} type="email" {...form.field('email')} required data-testid="user-email" />
      <SelectField
        label={t('admin.role')}
        {...form.field('role')}
        options={roles.map((value) => ({ value, label: t(`role.${value}`) }))}
        data-testid="user-role"
      />
      <TextField label={t('admin.phone')} type="tel" {...form.field('phone')} />
      <TextField
        label={isNew ? t('admin.password') : t('admin.new_password')}
        type="password"
        autoComplete="new-password"
        hint={t('admin.password_hint')}
        {...form.field('password')}
        data-testid="user-password"
      />
      {isNew ? (
        <SelectField
          label={t('admin.device_template')}
          {...form.field('deviceTemplate')}
          options={[
            { value: 'webrtc', label: t('admin.template_webrtc') },
            { value: 'sip', label: t('admin.template_sip') },
          ]}
        />
      ) : (
        <CheckboxField
          label={t('admin.active')}
          checked={form.values.isActive}
          onChange={(checked) => form.set('isActive', checked)}
        />
      )}
    </FormDialog>
  );
}
