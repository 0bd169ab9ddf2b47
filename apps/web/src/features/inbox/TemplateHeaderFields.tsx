/** The picker's fields for a template's media header (a link or a file) or location header (a place). */
import { useI18n } from '../../shared/i18n/i18n';
import type { HeaderDraft, HeaderKind } from './template-header';

const ACCEPT: Record<Exclude<HeaderKind, 'location'>, string> = {
  image: 'image/jpeg,image/png',
  video: 'video/mp4,video/3gpp',
  document: 'application/pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.txt',
};

export function TemplateHeaderFields({
  kind,
  draft,
  onChange,
}: {
  kind: HeaderKind;
  draft: HeaderDraft;
  onChange: (draft: HeaderDraft) => void;
}) {
  const { t } = useI18n();
  if (kind === 'location') {
    const field = (key: 'latitude' | 'longitude' | 'name' | 'address', isRequired: boolean) => (
      <label className="template-variable">
        <span>{t(`whatsapp.place_${key}`)}</span>
        <input
          value={draft[key]}
          inputMode={isRequired ? 'decimal' : undefined}
          required={isRequired}
          maxLength={isRequired ? 20 : 1000}
          onChange={(event) => onChange({ ...draft, [key]: event.target.value })}
          data-testid={`template-header-${key}`}
        />
      </label>
    );
    return (
      <fieldset className="template-header" data-testid="template-header">
        <legend>{t('whatsapp.header_location')}</legend>
        {field('latitude', true)}
        {field('longitude', true)}
        {field('name', false)}
        {field('address', false)}
      </fieldset>
    );
  }
  return (
    <fieldset className="template-header" data-testid="template-header">
      <legend>{t(`whatsapp.header_${kind}`)}</legend>
      <label className="template-variable">
        <span>{t('whatsapp.header_link')}</span>
        <input
          type="url"
          value={draft.link}
          placeholder="https://"
          disabled={draft.file !== null}
          onChange={(event) => onChange({ ...draft, link: event.target.value })}
          data-testid="template-header-link"
        />
      </label>
      <label className="template-variable">
        <span>{t('whatsapp.header_file')}</span>
        <input
          type="file"
          accept={ACCEPT[kind]}
          onChange={(event) => onChange({ ...draft, file: event.target.files?.[0] ?? null })}
          data-testid="template-header-file"
        />
      </label>
    </fieldset>
  );
}
