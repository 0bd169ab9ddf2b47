/**
 * Admin › Customer messages (issue 14): what Switchboard writes to customers on its own.
 * The company's language and rating question on top; under it each message with its
 * default, the variables it offers (a click inserts one at the caret), a live preview with
 * sample values, Save and Reset to default. `GET/PUT /api/settings/customer-messages`.
 */
import { useRef } from 'react';
import { customerLanguages, customerMessagesSchema, type CustomerMessagesDto } from '@switchboard/contracts';
import { useApi, useCurrentUser } from '../../app/services';
import { AdminForm, CheckboxField, SelectField, TextAreaField, useActions, useForm } from '../../shared/admin';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage, Loading } from '../../shared/ui/components';
import { useAsync } from '../../shared/ui/hooks';
import {
  insertAt,
  renderPreview,
  unknownPlaceholders,
  type CustomerMessageItem,
  type SampleValues,
} from './customer-messages-model';

const PATH = '/api/settings/customer-messages';

export function CustomerMessagesAdmin() {
  const api = useApi();
  const { t } = useI18n();
  const settings = useAsync((signal) => api.request('GET', PATH, { schema: customerMessagesSchema, signal }), 'cm');
  const me = useCurrentUser();
  const samples: SampleValues = {
    'contact.name': 'Maria Souza',
    'agent.name': me.name,
    'queue.position': 3,
    'queue.wait_minutes': 5,
    link: 'https://meet.example.com/abc-defg-hij',
  };
  if (settings.error) return <ErrorMessage error={settings.error} />;
  if (!settings.data) return <Loading />;
  const data = settings.data;
  const onSaved = (next: CustomerMessagesDto) => settings.setData(() => next);
  return (
    <section
      className="stack customer-messages"
      aria-labelledby="customer-messages-title"
      data-testid="customer-messages-admin"
    >
      <h2 id="customer-messages-title">{t('admin.customer-messages')}</h2>
      <p className="muted">{t('customer_messages.intro')}</p>
      <LanguageForm data={data} onSaved={onSaved} />
      {data.messages.map((message) => (
        <MessageEditor
          // A new stored text (saved, reset, another language's default) starts the editor afresh;
          // saving one message keeps what is being typed in the others.
          key={`${message.key}:${message.text}`}
          message={message}
          language={data.language}
          samples={samples}
          onSaved={onSaved}
        />
      ))}
    </section>
  );
}

function LanguageForm({ data, onSaved }: { data: CustomerMessagesDto; onSaved: (next: CustomerMessagesDto) => void }) {
  const api = useApi();
  const { t } = useI18n();
  const form = useForm({ language: data.language, rating_enabled: data.rating_enabled });
  return (
    <AdminForm
      form={form}
      layout="row"
      testId="customer-messages-settings"
      savedText={t('channels.saved')}
      onSubmit={async () => {
        onSaved(await api.request('PUT', PATH, { body: form.values, schema: customerMessagesSchema }));
      }}
    >
      <SelectField
        label={t('customer_messages.language')}
        {...form.field('language')}
        options={customerLanguages.map((value) => ({ value, label: t(`customer_messages.language.${value}`) }))}
        data-testid="customer-language"
      />
      <CheckboxField
        label={t('customer_messages.rating_enabled')}
        checked={form.values.rating_enabled}
        onChange={(checked) => form.set('rating_enabled', checked)}
        testId="customer-rating-enabled"
      />
    </AdminForm>
  );
}

function MessageEditor({
  message,
  language,
  samples,
  onSaved,
}: {
  message: CustomerMessageItem;
  language: string;
  samples: SampleValues;
  onSaved: (next: CustomerMessagesDto) => void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const form = useForm({ text: message.text });
  const actions = useActions();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const fieldKey = `texts.${message.key}`;
  const unknown = unknownPlaceholders(form.values.text, message.variables);
  const localError =
    unknown.length > 0
      ? t('customer_messages.unknown_variable', { names: unknown.map((v) => `{{${v}}}`).join(', ') })
      : undefined;

  const insert = (placeholder: string) => {
    const element = textarea.current;
    const start = element?.selectionStart ?? form.values.text.length;
    const end = element?.selectionEnd ?? start;
    const next = insertAt(form.values.text, placeholder, start, end);
    form.set('text', next.text);
    requestAnimationFrame(() => {
      element?.focus();
      element?.setSelectionRange(next.caret, next.caret);
    });
  };
  const put = async (text: string | null) =>
    onSaved(
      await api.request('PUT', PATH, { body: { texts: { [message.key]: text } }, schema: customerMessagesSchema }),
    );

  const title = t(`customer_messages.key.${message.key}`);
  return (
    <article className="panel customer-message" data-testid="customer-message" data-key={message.key}>
      <header className="panel-header">
        <h3>{title}</h3>
        {message.is_custom ? <span className="tag">{t('customer_messages.custom')}</span> : null}
      </header>
      <AdminForm
        form={form}
        onSubmit={() => put(form.values.text)}
        actions={
          message.is_custom ? (
            <button
              type="button"
              onClick={() => void actions.run(() => put(null))}
              disabled={actions.isBusy}
              data-testid="customer-message-reset"
            >
              {t('customer_messages.reset')}
            </button>
          ) : null
        }
        submitTestId="customer-message-save"
      >
        <TextAreaField
          ref={textarea}
          label={t('customer_messages.text_of', { name: title })}
          {...form.field('text')}
          error={form.fieldErrors[fieldKey] ?? localError}
          hint={
            <>
              {t('customer_messages.default', { language })}{' '}
              <q data-testid="customer-message-default">{message.default_text}</q>
            </>
          }
          rows={3}
          maxLength={1024}
          required
          data-testid="customer-message-text"
        />
        <div className="variable-list" role="group" aria-label={t('customer_messages.variables')}>
          <span className="muted small">{t('customer_messages.variables')}</span>
          {message.variables.map((placeholder) => (
            <button
              key={placeholder}
              type="button"
              className="chip"
              onClick={() => insert(placeholder)}
              aria-label={t('customer_messages.insert', { variable: placeholder })}
              data-testid="customer-message-variable"
            >
              <code>{placeholder}</code>
            </button>
          ))}
        </div>
        <div className="customer-preview">
          <span className="muted small">{t('customer_messages.preview')}</span>
          <p className="bubble" data-testid="customer-message-preview" aria-live="polite">
            {renderPreview(form.values.text, samples)}
          </p>
        </div>
      </AdminForm>
      <ErrorMessage error={actions.error} />
    </article>
  );
}
