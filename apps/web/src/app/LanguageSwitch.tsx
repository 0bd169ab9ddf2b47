import { locales, useI18n, type Locale } from '../shared/i18n/i18n';

const NAMES: Record<Locale, string> = { 'pt-BR': 'Português (Brasil)', en: 'English' };

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <label className="language-switch">
      <span className="visually-hidden">{t('common.language')}</span>
      <select
        value={locale}
        onChange={(event) => setLocale(event.target.value as Locale)}
        aria-label={t('common.language')}
        data-testid="language"
      >
        {locales.map((value) => (
          <option key={value} value={value} lang={value}>
            {NAMES[value]}
          </option>
        ))}
      </select>
    </label>
  );
}
