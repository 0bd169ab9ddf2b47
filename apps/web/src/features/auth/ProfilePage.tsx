import { useState, type FormEvent } from 'react';
import { updateProfileBodySchema, userSchema } from '@switchboard/contracts';
import { useApi } from '../../app/services';
import { ApiError } from '../../shared/api/api-error';
import { fieldErrorsOf } from './password-reason';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage, Loading } from '../../shared/ui/components';
import { useAsync } from '../../shared/ui/hooks';
import { DeviceBody } from '../admin/DeviceDialog';

/** Your profile, password, SIP device, and signing out of every device. */
export function ProfilePage() {
  const api = useApi();
  const { t } = useI18n();
  const profile = useAsync(
    (signal) => api.request('GET', '/api/users/profile', { schema: userSchema, signal }),
    'profile',
  );
  const [form, setForm] = useState<{ name: string; phone: string; current: string; next: string } | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [isSaved, setIsSaved] = useState(false);

  if (profile.error) return <ErrorMessage error={profile.error} />;
  if (!profile.data) return <Loading />;
  const user = profile.data;
  const values = form ?? { name: user.name, phone: user.phone ?? '', current: '', next: '' };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setIsSaved(false);
    setError(null);
    const parsed = updateProfileBodySchema.safeParse({
      name: values.name,
      phone: values.phone.trim() ? values.phone : null,
      ...(values.next ? { current_password: values.current, new_password: values.next } : {}),
    });
    if (!parsed.success) {
      setFieldErrors(Object.fromEntries(parsed.error.issues.map((issue) => [String(issue.path[0]), issue.message])));
      return;
    }
    setFieldErrors({});
    try {
      await api.request('PUT', '/api/users/profile', { body: parsed.data, schema: userSchema });
      // A new password ends every session, this one included: sign in again.
      if (values.next) return void (await api.logout());
      setForm(null);
      setIsSaved(true);
      profile.reload();
    } catch (failure) {
      if (failure instanceof ApiError) setFieldErrors(fieldErrorsOf(t, failure));
      setError(failure);
      profile.reload();
    }
  };

  const set = (name: keyof typeof values) => (event: { target: { value: string } }) =>
    setForm({ ...values, [name]: event.target.value });

  return (
    <div className="profile">
      <h1>{t('profile.title')}</h1>
      <form className="stack narrow" onSubmit={(event) => void submit(event)}>
        <p className="muted">
          {user.email} · {t(`role.${user.role}`)}
        </p>
        <label>
          {t('admin.name')}
          <input type="text" value={values.name} onChange={set('name')} maxLength={120} />
          {fieldErrors.name ? <span className="error small">{fieldErrors.name}</span> : null}
        </label>
        <label>
          {t('admin.phone')}
          <input type="tel" value={values.phone} onChange={set('phone')} />
          {fieldErrors.phone ? <span className="error small">{fieldErrors.phone}</span> : null}
        </label>
        <fieldset>
          <legend>{t('profile.change_password')}</legend>
          <label>
            {t('profile.current_password')}
            <input type="password" autoComplete="current-password" value={values.current} onChange={set('current')} />
            {fieldErrors.current_password ? <span className="error small">{fieldErrors.current_password}</span> : null}
          </label>
          <label>
            {t('admin.new_password')}
            <input type="password" autoComplete="new-password" value={values.next} onChange={set('next')} />
            {fieldErrors.new_password ? <span className="error small">{fieldErrors.new_password}</span> : null}
          </label>
        </fieldset>
        <ErrorMessage error={error} />
        {isSaved ? <p role="status">{t('profile.saved')}</p> : null}
        <button type="submit" className="primary">
          {t('common.save')}
        </button>
      </form>
      {user.device ? (
        <section className="narrow" aria-labelledby="my-device-title">
          <h2 id="my-device-title">{t('profile.my_device')}</h2>
          <DeviceBody userId={user.id} />
        </section>
      ) : null}
      <section className="narrow" aria-labelledby="sessions-title">
        <h2 id="sessions-title">{t('profile.sessions')}</h2>
        <p className="muted">{t('profile.sign_out_everywhere_hint')}</p>
        <button
          type="button"
          className="danger"
          onClick={() => {
            if (window.confirm(t('profile.confirm_sign_out_everywhere'))) void api.logoutEverywhere().catch(setError);
          }}
          data-testid="sign-out-everywhere"
        >
          {t('profile.sign_out_everywhere')}
        </button>
      </section>
    </div>
  );
}
