/**
 * What a WhatsApp conversation adds to the composer: the 24-hour window's countdown, a
 * file to attach (with a caption), and the template picker — the only way to write once
 * the window has closed (the server refuses anything else with 409).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { WhatsAppTemplateDto } from '@switchboard/contracts';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage } from '../../shared/ui/components';
import { emptyHeaderDraft, headerBodyOf, headerKindOf, isHeaderReady, type HeaderDraft } from './template-header';
import { TemplateHeaderFields } from './TemplateHeaderFields';
import type { WhatsAppApi } from './whatsapp-api';

/** Whether the window is open at `nowMs`, and for how long still. */
export function windowOf(expiresAt: string | null, nowMs: number): { isOpen: boolean; remainingMs: number } {
  const remainingMs = expiresAt === null ? 0 : new Date(expiresAt).getTime() - nowMs;
  return { isOpen: remainingMs > 0, remainingMs: Math.max(0, remainingMs) };
}

/** `3h 05min`, `12min`: what is left of the window. */
export function formatRemaining(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours}h ${String(minutes % 60).padStart(2, '0')}min` : `${minutes}min`;
}

/** Re-reads the window every 30 s, so the countdown moves and the composer locks on time. */
export function useWindow(expiresAt: string | null) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return windowOf(expiresAt, now);
}

/** The template's text with the values typed so far, as the customer will read it. */
export function previewOf(template: WhatsAppTemplateDto, values: Record<string, string>): string {
  const parts: string[] = [];
  for (const component of template.components) {
    const type = typeof component.type === 'string' ? component.type.toUpperCase() : '';
    if (!['HEADER', 'BODY', 'FOOTER'].includes(type) || typeof component.text !== 'string') continue;
    const prefix = type === 'HEADER' ? 'header.' : '';
    parts.push(
      component.text.replace(
        /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g,
        (whole, name: string) => values[`${prefix}${name}`] || whole,
      ),
    );
  }
  return parts.join('\n\n');
}

export function WhatsAppTools({
  conversationId,
  expiresAt,
  canWrite,
  api,
  onSent,
}: {
  conversationId: string;
  expiresAt: string | null;
  canWrite: boolean;
  api: WhatsAppApi;
  onSent: Sent;
}) {
  const { t } = useI18n();
  const window = useWindow(expiresAt);
  const [isPicking, setIsPicking] = useState(false);
  const showPicker = isPicking || !window.isOpen;
  return (
    <section className="whatsapp-tools" data-testid="whatsapp-tools" aria-label={t('whatsapp.tools')}>
      <p className={window.isOpen ? 'muted' : 'warning'} data-testid="window-state" aria-live="polite">
        {window.isOpen
          ? t('whatsapp.window_open', { time: formatRemaining(window.remainingMs) })
          : t('whatsapp.window_closed')}
      </p>
      {canWrite && (
        <div className="whatsapp-actions">
          {window.isOpen && <AttachmentButton conversationId={conversationId} api={api} onSent={onSent} />}
          {window.isOpen && (
            <button type="button" onClick={() => setIsPicking((open) => !open)} data-testid="template-toggle">
              {t('whatsapp.templates')}
            </button>
          )}
        </div>
      )}
      {canWrite && showPicker && (
        <TemplatePicker
          conversationId={conversationId}
          api={api}
          onSent={(message) => {
            setIsPicking(false);
            onSent(message);
          }}
        />
      )}
    </section>
  );
}

type Sent = (message: Awaited<ReturnType<WhatsAppApi['sendTemplate']>>) => void;

function AttachmentButton({ conversationId, api, onSent }: { conversationId: string; api: WhatsAppApi; onSent: Sent }) {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [caption, setCaption] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [isSending, setIsSending] = useState(false);
  const send = async () => {
    if (!file) return;
    setIsSending(true);
    setError(null);
    try {
      const upload = await api.upload(conversationId, file);
      onSent(await api.sendAttachment(conversationId, upload.upload_id, caption));
      setFile(null);
      setCaption('');
    } catch (failure) {
      setError(failure);
    } finally {
      setIsSending(false);
    }
  };
  return (
    <div className="attachment">
      <input
        ref={input}
        type="file"
        hidden
        accept="image/jpeg,image/png,application/pdf,audio/*,video/mp4,video/3gpp,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.txt"
        data-testid="attachment-input"
        onChange={(event) => {
          setFile(event.target.files?.[0] ?? null);
          setError(null);
          event.target.value = '';
        }}
      />
      <button
        type="button"
        onClick={() => input.current?.click()}
        data-testid="attach"
        aria-label={t('whatsapp.attach')}
      >
        📎 {t('whatsapp.attach')}
      </button>
      {file && (
        <div className="attachment-draft" data-testid="attachment-draft">
          <span className="attachment-name">{file.name}</span>
          <label>
            <span className="visually-hidden">{t('whatsapp.caption')}</span>
            <input
              value={caption}
              maxLength={1024}
              placeholder={t('whatsapp.caption')}
              onChange={(event) => setCaption(event.target.value)}
              data-testid="attachment-caption"
            />
          </label>
          <button
            type="button"
            className="primary"
            disabled={isSending}
            onClick={() => void send()}
            data-testid="attachment-send"
          >
            {t('whatsapp.send_file')}
          </button>
          <button type="button" onClick={() => setFile(null)}>
            {t('common.cancel')}
          </button>
        </div>
      )}
      <ErrorMessage error={error} />
    </div>
  );
}

function TemplatePicker({ conversationId, api, onSent }: { conversationId: string; api: WhatsAppApi; onSent: Sent }) {
  const { t } = useI18n();
  const [templates, setTemplates] = useState<WhatsAppTemplateDto[] | null>(null);
  const [chosenId, setChosenId] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [header, setHeader] = useState<HeaderDraft>(emptyHeaderDraft);
  const [error, setError] = useState<unknown>(null);
  const [isSending, setIsSending] = useState(false);
  const load = (refresh: boolean) => {
    setError(null);
    api.templates(refresh).then(
      (list) => setTemplates(list.items),
      (failure: unknown) => {
        setTemplates([]);
        setError(failure);
      },
    );
  };
  // Loaded once per picker; `load` only reads the API.
  useEffect(() => load(false), []);
  const chosen = useMemo(() => templates?.find((tpl) => tpl.id === chosenId), [templates, chosenId]);
  const headerKind = chosen ? headerKindOf(chosen) : undefined;
  const isComplete =
    (chosen?.variables.every((v) => (values[v.key] ?? '').trim() !== '') ?? false) && isHeaderReady(headerKind, header);
  const send = async () => {
    if (!chosen) return;
    setIsSending(true);
    setError(null);
    try {
      // A file for the header goes up first; the template names it by its upload.
      const uploadId =
        headerKind && headerKind !== 'location' && header.file
          ? (await api.upload(conversationId, header.file)).upload_id
          : null;
      onSent(
        await api.sendTemplate(conversationId, {
          name: chosen.name,
          language: chosen.language,
          variables: values,
          header: headerBodyOf(headerKind, header, uploadId),
        }),
      );
      setChosenId('');
      setValues({});
      setHeader(emptyHeaderDraft);
    } catch (failure) {
      setError(failure);
    } finally {
      setIsSending(false);
    }
  };
  return (
    <div className="template-picker" data-testid="template-picker">
      <label>
        <span>{t('whatsapp.choose_template')}</span>
        <select
          value={chosenId}
          onChange={(event) => {
            setChosenId(event.target.value);
            setValues({});
            setHeader(emptyHeaderDraft);
          }}
          data-testid="template-select"
        >
          <option value="">{templates === null ? t('common.loading') : '—'}</option>
          {(templates ?? []).map((tpl) => (
            <option key={tpl.id} value={tpl.id}>
              {tpl.name} ({tpl.language})
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={() => load(true)}>
        {t('whatsapp.refresh_templates')}
      </button>
      {templates?.length === 0 && !error && <p className="muted">{t('whatsapp.no_templates')}</p>}
      {chosen && (
        <>
          {headerKind ? <TemplateHeaderFields kind={headerKind} draft={header} onChange={setHeader} /> : null}
          {chosen.variables.map((variable) => (
            <label key={variable.key} className="template-variable">
              <span>{t('whatsapp.variable', { key: variable.key })}</span>
              <input
                value={values[variable.key] ?? ''}
                placeholder={variable.example ?? ''}
                maxLength={1024}
                onChange={(event) => setValues((current) => ({ ...current, [variable.key]: event.target.value }))}
                data-testid={`template-variable-${variable.key}`}
              />
            </label>
          ))}
          <p className="template-preview" data-testid="template-preview">
            {previewOf(chosen, values)}
          </p>
          <button
            type="button"
            className="primary"
            disabled={!isComplete || isSending}
            onClick={() => void send()}
            data-testid="template-send"
          >
            {t('whatsapp.send_template')}
          </button>
        </>
      )}
      <ErrorMessage error={error} />
    </div>
  );
}
