import { useState, type FormEvent } from 'react';
import { useApi } from '../../app/services';
import { LanguageSwitch } from '../../app/LanguageSwitch';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage } from '../../shared/ui/components';

export function LoginPage() {
  const api = useApi();
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setIsBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setIsBusy(true);
    setError(null);
    try {
      await api.login(email.trim(), password);
    } catch (failure) {
      setError(failure);
      setIsBusy(false);
    }
  };

  return (
    <main className="login" id="main">
      <form className="login-card" onSubmit={(event) => void submit(event)} aria-labelledby="login-title">
        <h1 id="login-title">Switchboard</h1>
        <p className="muted">{t('login.subtitle')}</p>
        <label>
          {t('login.email')}
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            autoFocus
          />
        </label>
        <label>
          {t('login.password')}
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        <ErrorMessage error={error} />
        <button type="submit" className="primary" disabled={isBusy}>
          {isBusy ? t('login.signing_in') : t('login.submit')}
        </button>
        <LanguageSwitch />
      </form>
    </main>
  );
}
