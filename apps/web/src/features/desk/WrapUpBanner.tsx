/**
 * The wrap-up banner, over every page: after a chat or call of a queue with wrap-up ends,
 * the time left before new work and a disposition picker (the company's active codes).
 * It stays after the countdown until the agent gives a disposition or dismisses it: a
 * disposition may be given after the wrap-up too.
 */
import { useEffect, useState } from 'react';
import { z } from 'zod';
import { dispositionSchema, itemDispositionSchema, type DispositionDto } from '@switchboard/contracts';
import { hrefOf } from '../../app/router';
import { useApi, useRealtimeEvent } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { errorText } from '../../shared/ui/components';
import { useNow } from '../../shared/ui/hooks';
import { secondsLeft } from '../notifications/work-centre';
import { dispositionPath, wrapUpFromEntry, type WrapUp } from './wrap-up';

const dispositionsSchema = z.object({ items: z.array(dispositionSchema) });

export function WrapUpBanners({ meId }: { meId: string }) {
  const [wrapUps, setWrapUps] = useState<WrapUp[]>([]);
  useRealtimeEvent<Parameters<typeof wrapUpFromEntry>[0]>('entry_completed', ({ data }) => {
    const wrapUp = wrapUpFromEntry(data, meId);
    if (!wrapUp) return;
    setWrapUps((current) => [...current.filter((known) => known.entryId !== wrapUp.entryId), wrapUp]);
  });
  const close = (entryId: string) => setWrapUps((current) => current.filter((known) => known.entryId !== entryId));
  return (
    <>
      {wrapUps.map((wrapUp) => (
        <WrapUpBanner key={wrapUp.entryId} wrapUp={wrapUp} onDone={() => close(wrapUp.entryId)} />
      ))}
    </>
  );
}

function WrapUpBanner({ wrapUp, onDone }: { wrapUp: WrapUp; onDone: () => void }) {
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
      <button type="button" className="link" onClick={onDone}>
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
