import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { callNoteBodySchema, type CallDto, type CallNoteDto } from '@switchboard/contracts';
import { useApi, useRealtimeEvent } from '../../app/services';
import { formatDuration, useI18n } from '../../shared/i18n/i18n';
import { Empty, ErrorMessage, Loading } from '../../shared/ui/components';
import { useAsync } from '../../shared/ui/hooks';
import { CALL_EVENTS, callsApi } from './calls-api';

export function CallDetail({ callId }: { callId: string }) {
  const api = useApi();
  const { t, dateTime } = useI18n();
  const calls = useMemo(() => callsApi(api), [api]);
  const call = useAsync((signal) => calls.get(callId, signal), `call:${callId}`);
  const notes = useAsync((signal) => calls.notes(callId, signal).then((page) => page.items), `notes:${callId}`);

  useRealtimeEvent<CallDto>(CALL_EVENTS, ({ data }) => {
    if (data.id === callId) call.setData(() => data);
  });

  if (call.error) return <ErrorMessage error={call.error} />;
  if (!call.data) return <Loading />;
  const c = call.data;
  const rows: [string, string][] = [
    [t('calls.direction'), t(`direction.${c.direction}`)],
    [t('calls.status'), t(`call_status.${c.status}`)],
    [t('calls.from_number'), c.from_number],
    [t('calls.to_number'), c.to_number],
    [t('calls.started'), dateTime(c.started_at)],
    [t('calls.answered'), dateTime(c.answered_at)],
    [t('calls.ended'), dateTime(c.ended_at)],
    [t('calls.duration'), c.duration_seconds === null ? '—' : formatDuration(c.duration_seconds)],
    [t('calls.talk_time'), c.billable_seconds === null ? '—' : formatDuration(c.billable_seconds)],
    [t('calls.ended_by'), c.ended_by ? t(`ended_by.${c.ended_by}`) : '—'],
    [t('calls.hangup_cause'), c.hangup_cause_text ?? '—'],
  ];
  if (c.transferred_to) rows.push([t('calls.transferred_to'), c.transferred_to]);

  return (
    <article className="call-detail" data-testid="call-detail">
      <h2>{t('calls.call_with', { number: c.direction === 'inbound' ? c.from_number : c.to_number })}</h2>
      <dl className="facts">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {c.has_recording ? <Recording callId={callId} /> : <p className="muted">{t('calls.no_recording')}</p>}
      <section aria-labelledby="notes-title">
        <h3 id="notes-title">{t('calls.notes')}</h3>
        <ErrorMessage error={notes.error} />
        {notes.data && notes.data.length === 0 ? <Empty>{t('calls.no_notes')}</Empty> : null}
        <ul className="notes" data-testid="call-notes">
          {(notes.data ?? []).map((note) => (
            <li key={note.id}>
              <p>{note.body}</p>
              <p className="muted small">
                {note.author_name} · {dateTime(note.created_at)}
              </p>
            </li>
          ))}
        </ul>
        <NoteForm
          onAdd={async (body) => {
            const note = await calls.addNote(callId, body);
            notes.setData((current): CallNoteDto[] => [...(current ?? []), note]);
          }}
        />
      </section>
    </article>
  );
}

function NoteForm({ onAdd }: { onAdd: (body: string) => Promise<void> }) {
  const { t } = useI18n();
  const [body, setBody] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = callNoteBodySchema.safeParse({ body });
    if (!parsed.success) return;
    setError(null);
    try {
      await onAdd(parsed.data.body);
      setBody('');
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form onSubmit={(event) => void submit(event)} className="stack">
      <label>
        {t('calls.add_note')}
        <textarea
          value={body}
          onChange={(event) => setBody(event.target.value)}
          rows={3}
          maxLength={10_000}
          data-testid="note-body"
        />
      </label>
      <ErrorMessage error={error} />
      <button type="submit" className="primary" disabled={!body.trim()} data-testid="note-submit">
        {t('calls.save_note')}
      </button>
    </form>
  );
}

/**
 * The recording needs the bearer token, which an <audio src> cannot send: it is fetched
 * as a Blob when asked for and played from an object URL.
 */
function Recording({ callId }: { callId: string }) {
  const api = useApi();
  const { t } = useI18n();
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [isLoading, setIsLoading] = useState(false);
  useEffect(
    () => () => {
      if (url) URL.revokeObjectURL(url);
    },
    [url],
  );
  const load = async () => {
    setIsLoading(true);
    setError(null);
    try {
      const blob = await callsApi(api).recording(callId);
      setUrl(URL.createObjectURL(blob));
    } catch (failure) {
      setError(failure);
    } finally {
      setIsLoading(false);
    }
  };
  return (
    <section className="recording" aria-label={t('calls.recording')}>
      {url ? (
        <audio controls src={url} data-testid="recording-player">
          {t('calls.recording')}
        </audio>
      ) : (
        <button type="button" onClick={() => void load()} disabled={isLoading} data-testid="recording-load">
          ▶ {isLoading ? t('common.loading') : t('calls.play_recording')}
        </button>
      )}
      <ErrorMessage error={error} />
    </section>
  );
}
