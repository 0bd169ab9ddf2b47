/**
 * A conversation's labels: coloured chips, and a menu of the company's labels to tick.
 * Anyone who sees the conversation may label it (PUT /api/conversations/:id/labels).
 */
import { useEffect, useMemo, useState } from 'react';
import type { LabelDto } from '@switchboard/contracts';
import { useApi, useRealtimeEvent } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { errorText } from '../../shared/ui/components';
import { productivityApi } from './productivity-api';

export function LabelChip({ label }: { label: Pick<LabelDto, 'name' | 'colour'> }) {
  return (
    <span className="label-chip" data-testid="label-chip" style={{ borderColor: label.colour }}>
      <span className="label-dot" aria-hidden="true" style={{ background: label.colour }} />
      {label.name}
    </span>
  );
}

export function LabelPicker({ conversationId }: { conversationId: string }) {
  const api = useApi();
  const { t } = useI18n();
  const productivity = useMemo(() => productivityApi(api), [api]);
  const [all, setAll] = useState<LabelDto[]>([]);
  const [mine, setMine] = useState<LabelDto[]>([]);
  const [isOpen, setIsOpen] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let isCurrent = true;
    setMine([]);
    productivity.conversationLabels(conversationId).then((items) => isCurrent && setMine(items), setError);
    return () => {
      isCurrent = false;
    };
  }, [productivity, conversationId]);
  useEffect(() => {
    if (isOpen) productivity.labels().then(setAll, setError);
  }, [productivity, isOpen]);
  useRealtimeEvent<{ conversation_id: string }>('conversation_labels_changed', ({ data }) => {
    if (data.conversation_id === conversationId) {
      productivity.conversationLabels(conversationId).then(setMine, setError);
    }
  });

  const toggle = async (label: LabelDto) => {
    const ids = mine.some((l) => l.id === label.id)
      ? mine.filter((l) => l.id !== label.id).map((l) => l.id)
      : [...mine.map((l) => l.id), label.id];
    setError(null);
    try {
      setMine(await productivity.setConversationLabels(conversationId, ids));
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <div className="label-picker" data-testid="label-picker">
      <ul className="label-chips" aria-label={t('labels.of_conversation')}>
        {mine.map((label) => (
          <li key={label.id}>
            <LabelChip label={label} />
          </li>
        ))}
      </ul>
      <button type="button" aria-expanded={isOpen} onClick={() => setIsOpen((open) => !open)} data-testid="labels-edit">
        <span aria-hidden="true">🏷</span> {t('labels.edit')}
      </button>
      {isOpen ? (
        <div className="menu label-menu" role="group" aria-label={t('labels.title')}>
          {all.length === 0 ? <p className="muted small">{t('labels.none')}</p> : null}
          {all.map((label) => (
            <label key={label.id} className="label-option">
              <input
                type="checkbox"
                checked={mine.some((l) => l.id === label.id)}
                onChange={() => void toggle(label)}
                data-testid="label-option"
              />
              <LabelChip label={label} />
            </label>
          ))}
        </div>
      ) : null}
      {error ? (
        <span className="error small" role="alert">
          {errorText(t, error)}
        </span>
      ) : null}
    </div>
  );
}
