/**
 * The parts of a contact's card both the Contacts page and the panel beside a conversation
 * show: the editable name and custom attributes, the identities and the labels.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useApi } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage } from '../../shared/ui/components';
import { contactsApi, type ContactRecordDto } from './contacts-api';
import './contacts.css';

interface AttributeRow {
  key: string;
  value: string;
  /** The value as loaded: kept as it was (number, list…) when its text is not changed. */
  original?: unknown;
}

const shown = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

function rowsOf(attributes: Record<string, unknown>): AttributeRow[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: shown(value), original: value }));
}

/** Name and custom attributes, saved together with PATCH /api/contacts/:id. */
export function ContactEditor({ contact, onSaved }: { contact: ContactRecordDto; onSaved: () => void }) {
  const api = useApi();
  const { t } = useI18n();
  const contacts = useMemo(() => contactsApi(api), [api]);
  const [name, setName] = useState(contact.name ?? '');
  const [rows, setRows] = useState<AttributeRow[]>(() => rowsOf(contact.custom_attributes));
  const [error, setError] = useState<unknown>(null);
  const [isSaving, setIsSaving] = useState(false);
  const [isSaved, setIsSaved] = useState(false);
  // A change made elsewhere (a merge, another agent) reloads the form; our own save does not.
  const shownVersion = useRef(contact.updated_at);
  useEffect(() => {
    if (contact.updated_at === shownVersion.current) return;
    shownVersion.current = contact.updated_at;
    setName(contact.name ?? '');
    setRows(rowsOf(contact.custom_attributes));
    setIsSaved(false);
  }, [contact]);

  const change = (index: number, patch: Partial<AttributeRow>) => {
    setIsSaved(false);
    setRows((current) => current.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  };
  const save = async () => {
    setError(null);
    setIsSaved(false);
    const attributes: Record<string, unknown> = {};
    for (const row of rows) {
      const key = row.key.trim();
      if (!key) continue;
      attributes[key] = row.original !== undefined && shown(row.original) === row.value ? row.original : row.value;
    }
    setIsSaving(true);
    try {
      const saved = await contacts.update(contact.id, { name: name.trim() || null, custom_attributes: attributes });
      shownVersion.current = saved.updated_at;
      setRows(rowsOf(saved.custom_attributes));
      setIsSaved(true);
      onSaved();
    } catch (failure) {
      setError(failure);
    } finally {
      setIsSaving(false);
    }
  };

  return (
    <form
      className="contact-edit"
      data-testid="contact-edit"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <label>
        {t('contacts.name')}
        <input
          value={name}
          onChange={(event) => {
            setIsSaved(false);
            setName(event.target.value);
          }}
          data-testid="contact-name"
        />
      </label>
      <fieldset className="contact-attributes-edit">
        <legend>{t('contacts.attributes')}</legend>
        {rows.map((row, index) => (
          <div className="contact-attribute-row" key={index} data-testid="contact-attribute">
            <input
              aria-label={t('contacts.attribute_key')}
              value={row.key}
              maxLength={60}
              onChange={(event) => change(index, { key: event.target.value, original: undefined })}
              data-testid="attribute-key"
            />
            <input
              aria-label={t('contacts.attribute_value')}
              value={row.value}
              onChange={(event) => change(index, { value: event.target.value })}
              data-testid="attribute-value"
            />
            <button
              type="button"
              className="icon-button"
              aria-label={t('contacts.attribute_remove', { key: row.key })}
              title={t('contacts.attribute_remove', { key: row.key })}
              onClick={() => {
                setIsSaved(false);
                setRows((current) => current.filter((_, i) => i !== index));
              }}
            >
              ×
            </button>
          </div>
        ))}
        <button
          type="button"
          onClick={() => setRows((current) => [...current, { key: '', value: '' }])}
          data-testid="attribute-add"
        >
          + {t('contacts.attribute_add')}
        </button>
      </fieldset>
      <button type="submit" disabled={isSaving} data-testid="contact-save">
        {t('contacts.save')}
      </button>
      {isSaved ? <p role="status">{t('contacts.saved')}</p> : null}
      <ErrorMessage error={error} />
    </form>
  );
}

/** The contact's identities (phone, WhatsApp, e-mail, web chat). */
export function ContactIdentities({ contact }: { contact: ContactRecordDto }) {
  const { t } = useI18n();
  return (
    <>
      <h3>{t('contacts.identities')}</h3>
      <ul className="contact-identities" data-testid="contact-identities">
        {contact.identities.map((identity) => (
          <li key={identity.id}>
            <span className="muted">{t(`contacts.kind.${identity.kind}` as const)}</span> {identity.value}
          </li>
        ))}
      </ul>
    </>
  );
}

export function ContactLabels({ labels }: { labels: ContactRecordDto['labels'] }) {
  if (labels.length === 0) return null;
  return (
    <p className="contact-labels">
      {labels.map((label) => (
        <span key={label.id} className="label-chip" style={{ borderColor: label.colour }}>
          {label.name}
        </span>
      ))}
    </p>
  );
}
