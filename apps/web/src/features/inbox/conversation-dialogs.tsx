import { useState, type FormEvent } from 'react';
import { closeConversationBodySchema } from '@switchboard/contracts';
import { useI18n } from '../../shared/i18n/i18n';
import { Dialog, Empty, StatusDot } from '../../shared/ui/components';
import { sortBoard } from '../presence/presence-model';
import { usePresenceBoard } from '../presence/use-presence-board';

/** Close (resolve) with the customer's 1–5 rating and feedback, both optional. */
export function CloseDialog({
  isOpen,
  onClose,
  onSubmit,
}: {
  isOpen: boolean;
  onClose: () => void;
  onSubmit: (body: { rating?: number; feedback?: string }) => Promise<void>;
}) {
  const { t } = useI18n();
  const [rating, setRating] = useState<number | null>(null);
  const [feedback, setFeedback] = useState('');
  const [isBusy, setIsBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = closeConversationBodySchema.parse({
      ...(rating !== null ? { rating } : {}),
      ...(feedback.trim() ? { feedback: feedback.trim() } : {}),
    });
    setIsBusy(true);
    try {
      await onSubmit(body);
      setRating(null);
      setFeedback('');
    } finally {
      setIsBusy(false);
    }
  };

  return (
    <Dialog title={t('close.title')} isOpen={isOpen} onClose={onClose} testId="close-dialog">
      <form onSubmit={(event) => void submit(event)} className="stack">
        <fieldset className="rating">
          <legend>{t('close.rating')}</legend>
          {[1, 2, 3, 4, 5].map((value) => (
            <label key={value} className={rating !== null && value <= rating ? 'is-on' : ''}>
              <input
                type="radio"
                name="rating"
                value={value}
                checked={rating === value}
                onChange={() => setRating(value)}
                data-testid={`rating-${value}`}
              />
              <span aria-hidden="true">★</span>
              <span className="visually-hidden">{t('close.stars', { count: value })}</span>
            </label>
          ))}
        </fieldset>
        <label>
          {t('close.feedback')}
          <textarea
            value={feedback}
            maxLength={2000}
            rows={3}
            onChange={(event) => setFeedback(event.target.value)}
            data-testid="close-feedback"
          />
        </label>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="primary" disabled={isBusy} data-testid="close-submit">
            {t('close.submit')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Pass the conversation to a colleague: available ones first. */
export function AssignDialog({
  isOpen,
  onClose,
  onSubmit,
  currentAssigneeId,
}: {
  isOpen: boolean;
  onClose: () => void;
  onSubmit: (agentId: string) => Promise<void>;
  currentAssigneeId: string | null;
}) {
  const { t, locale } = useI18n();
  return (
    <Dialog title={t('assign.title')} isOpen={isOpen} onClose={onClose} testId="assign-dialog">
      {isOpen ? <AgentPicker locale={locale} currentAssigneeId={currentAssigneeId} onPick={onSubmit} /> : null}
    </Dialog>
  );
}

function AgentPicker({
  locale,
  currentAssigneeId,
  onPick,
}: {
  locale: string;
  currentAssigneeId: string | null;
  onPick: (agentId: string) => Promise<void>;
}) {
  const { t } = useI18n();
  const { board } = usePresenceBoard();
  if (!board) return null;
  const agents = sortBoard(board, locale).filter((agent) => agent.agent_id !== currentAssigneeId);
  if (agents.length === 0) return <Empty>{t('assign.nobody')}</Empty>;
  return (
    <ul className="agent-picker">
      {agents.map((agent) => (
        <li key={agent.agent_id}>
          <button type="button" onClick={() => void onPick(agent.agent_id)} data-testid="assign-agent">
            <StatusDot status={agent.status} label={t(`presence.${agent.status}`)} /> {agent.agent_name}
            <span className="muted small">
              {' '}
              · {t(`role.${agent.role}`)}
              {agent.is_available ? ` · ${t('presence.available')}` : ''}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
