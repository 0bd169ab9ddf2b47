/**
 * The composer's other tools: reply or private note, snooze (POST /api/conversations/:id/snooze)
 * and the keyboard shortcuts dialog.
 */
import { useState } from 'react';
import { useI18n } from '../../shared/i18n/i18n';
import { Dialog } from '../../shared/ui/components';

export type ComposerMode = 'reply' | 'note';

/** When a snooze ends: in an hour, tomorrow at 09:00, next Monday at 09:00 (the browser's time zone). */
export function snoozeUntil(choice: 'hour' | 'tomorrow' | 'next_week', now: Date): Date {
  if (choice === 'hour') return new Date(now.getTime() + 3_600_000);
  const at = new Date(now);
  at.setHours(9, 0, 0, 0);
  if (choice === 'tomorrow') {
    at.setDate(at.getDate() + 1);
    return at;
  }
  const daysToMonday = (8 - at.getDay()) % 7 || 7;
  at.setDate(at.getDate() + daysToMonday);
  return at;
}

export const SHORTCUTS: readonly { keys: string; action: string }[] = [
  { keys: 'Enter', action: 'shortcuts.send' },
  { keys: 'Shift+Enter', action: 'shortcuts.newline' },
  { keys: '/', action: 'shortcuts.canned' },
  { keys: '↑ ↓ Enter Tab Esc', action: 'shortcuts.canned_pick' },
  { keys: 'Alt+N', action: 'shortcuts.note' },
  { keys: 'Alt+E', action: 'shortcuts.emoji' },
  { keys: 'Alt+S', action: 'shortcuts.snooze' },
  { keys: 'Ctrl+/', action: 'shortcuts.help' },
] as const;

export function ModeSwitch({ mode, onMode }: { mode: ComposerMode; onMode: (mode: ComposerMode) => void }) {
  const { t } = useI18n();
  return (
    <div className="composer-mode" role="group" aria-label={t('composer.mode')}>
      {(['reply', 'note'] as const).map((option) => (
        <button
          key={option}
          type="button"
          aria-pressed={mode === option}
          className={mode === option ? 'tab is-active' : 'tab'}
          onClick={() => onMode(option)}
          data-testid={`composer-mode-${option}`}
        >
          {t(option === 'reply' ? 'composer.reply' : 'composer.note')}
        </button>
      ))}
    </div>
  );
}

export function SnoozeMenu({
  isOpen,
  onToggle,
  onSnooze,
  disabled,
}: {
  isOpen: boolean;
  onToggle: () => void;
  onSnooze: (until: Date) => Promise<void>;
  disabled: boolean;
}) {
  const { t } = useI18n();
  const [isBusy, setIsBusy] = useState(false);
  const pick = async (choice: 'hour' | 'tomorrow' | 'next_week') => {
    setIsBusy(true);
    try {
      await onSnooze(snoozeUntil(choice, new Date()));
    } finally {
      setIsBusy(false);
    }
  };
  return (
    <div className="snooze-menu">
      <button
        type="button"
        aria-expanded={isOpen}
        onClick={onToggle}
        disabled={disabled}
        title={`${t('composer.snooze')} (Alt+S)`}
        data-testid="snooze-toggle"
      >
        <span aria-hidden="true">⏰</span> {t('composer.snooze')}
      </button>
      {isOpen ? (
        <div className="menu" role="menu" data-testid="snooze-menu">
          {(['hour', 'tomorrow', 'next_week'] as const).map((choice) => (
            <button
              key={choice}
              type="button"
              role="menuitem"
              disabled={isBusy}
              onClick={() => void pick(choice)}
              data-testid={`snooze-${choice}`}
            >
              {t(`snooze.${choice}`)}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}

export function ShortcutsDialog({ isOpen, onClose }: { isOpen: boolean; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog title={t('shortcuts.title')} isOpen={isOpen} onClose={onClose} testId="shortcuts-dialog">
      <dl className="shortcuts">
        {SHORTCUTS.map((shortcut) => (
          <div key={shortcut.keys}>
            <dt>
              <kbd>{shortcut.keys}</kbd>
            </dt>
            <dd>{t(shortcut.action as 'shortcuts.send')}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
