/**
 * The wrap-up banner, over every page: after a chat or call of a queue with wrap-up ends,
 * the time left before new work and a disposition picker (the company's active codes).
 * It stays after the countdown until the agent gives a disposition or dismisses it: a
 * disposition may be given after the wrap-up too. A reload during the wrap-up brings it
 * back with the server's end time (wrap-up.ts).
 */
import { useEffect, useState } from 'react';
import { z } from 'zod';
import { dispositionSchema, itemDispositionSchema, myWrapUpSchema, type DispositionDto } from '@switchboard/contracts';
import { hrefOf } from '../../app/router';
import { useApi, useRealtimeEvent } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { errorText } from '../../shared/ui/components';
import { useNow } from '../../shared/ui/hooks';
import { secondsLeft } from '../notifications/work-centre';
import {
  dispositionPath,
  loadDismissed,
  rememberDismissed,
  withWrapUp,
  wrapUpFromEntry,
  wrapUpFromServer,
  type WrapUp,
} from './wrap-up';

const dispositionsSchema = z.object({ items: z.array(dispositionSchema) });

const sessionStore = (): Storage | undefined => {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
};

export function WrapUpBanners({ meId }: { meId: string }) {
  const api = useApi();
  const [wrapUps, setWrapUps] = useState<WrapUp[]>([]);
  useRealtimeEvent<Parameters<typeof wrapUpFromEntry>[0]>('entry_completed', ({ data }) => {
    const wrapUp = wrapUpFromEntry(data, meId);
    if (!wrapUp) return;
    setWrapUps((current) => withWrapUp(current, wrapUp));
  });
  // A reload (or a new tab) during a wrap-up shows it again, with the server's end time.
  useEffect(() => {
    let isCurrent = true;
    api.request('GET', '/api/routing/wrap-up', { schema: myWrapUpSchema }).then(
      (dto) => {
        const wrapUp = wrapUpFromServer(dto, loadDismissed(sessionStore()));
        if (isCurrent && wrapUp) setWrapUps((current) => withWrapUp(current, wrapUp));
      },
      () => undefined, // No banner is the old behaviour; the realtime event still brings the next one.
    );
    return () => {
      isCurrent = false;
    };
  }, [api, meId]);
  const close = (entryId: string) => setWrapUps((current) => current.filter((known) => known.entryId !== entryId));
  return (
    <>
      {wrapUps.map((wrapUp) => (
        <WrapUpBanner
          key={wrapUp.entryId}
          wrapUp={wrapUp}
          onDone={() => close(wrapUp.entryId)}
          onDismiss={() => {
            rememberDismissed(sessionStore(), wrapUp.entryId);
            close(wrapUp.entryId);
          }}
        />
      ))}
    </>
  );
}

function WrapUpBanner({ wrapUp, onDone, onDismiss }: { wrapUp: WrapUp; onDone: () => void; onDismiss: () => void }) {
  const api = useApi();
  const { t } = useI18n();
  const now = useNow(1_000);
  const [dispositions, setDispositions] = useState<DispositionDto[] | null>(null);
  const [chosen, setChosen] = useState('');
  const [isSaving, setIsSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      .request('GET', '/api/dispositions', { query: { active: 'true' }, schema: dispositionsSchema })
      .then(({ items }) => setDispositions(items), setError);
  }, [api]);

  const left = secondsLeft({ expiresAt: wrapUp.until }, now) ?? 0;
  const save = async () => {
    setIsSaving(true);
    setError(null);
    try {
      await api.request('PUT', dispositionPath(wrapUp), {
        body: { disposition_id: chosen },
        schema: itemDispositionSchema,
      });
      onDone();
    } catch (failure) {
      setError(failure);
      setIsSaving(false);
    }
  };
  const itemHref =
    wrapUp.item.kind === 'conversation'
      ? hrefOf({ name: 'inbox', conversationId: wrapUp.item.conversationId })
      : hrefOf({ name: 'calls', callId: wrapUp.item.callId });

  return (
    <form
      className="banner wrap-up"
      aria-label={t('wrapup.title')}
      data-testid="wrap-up"
      onSubmit={(event) => {
        event.preventDefault();
        if (chosen) void save();
      }}
    >
      <p className="wrap-up-text">
        <strong>{t('wrapup.title')}</strong>{' '}
        <span role="timer" data-testid="wrap-up-countdown">
          {left > 0 ? t('wrapup.left', { seconds: left }) : t('wrapup.over')}
        </span>{' '}
        <a href={itemHref} className="small">
          {t(wrapUp.item.kind === 'conversation' ? 'wrapup.open_conversation' : 'wrapup.open_call')}
        </a>
      </p>
      {dispositions && dispositions.length === 0 ? (
        <span className="muted small">{t('wrapup.no_codes')}</span>
      ) : (
        <label className="wrap-up-pick">
          <span className="visually-hidden">{t('wrapup.disposition')}</span>
          <select
            value={chosen}
            aria-label={t('wrapup.disposition')}
            data-testid="wrap-up-disposition"
            disabled={!dispositions || isSaving}
            onChange={(event) => setChosen(event.target.value)}
          >
            <option value="" disabled>
              {t('wrapup.pick')}
            </option>
            {(dispositions ?? []).map((disposition) => (
              <option key={disposition.id} value={disposition.id}>
                {disposition.label}
              </option>
            ))}
          </select>
        </label>
      )}
      <button type="submit" className="primary" disabled={!chosen || isSaving} data-testid="wrap-up-save">
        {t('common.save')}
      </button>
      <button type="button" className="link" onClick={onDismiss} data-testid="wrap-up-dismiss">
        {t('common.dismiss')}
      </button>
      {error ? (
        <span className="error" role="alert">
          {errorText(t, error)}
        </span>
      ) : null}
    </form>
  );
}
