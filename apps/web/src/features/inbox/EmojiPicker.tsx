/**
 * A small emoji palette for the composer: the ones agents of a Brazilian contact center use
 * most, no library (a full picker would weigh more than the console's whole inbox).
 */
import { useI18n } from '../../shared/i18n/i18n';

export const EMOJIS = [
  '😀',
  '😊',
  '😉',
  '🙂',
  '😅',
  '😂',
  '🥰',
  '😍',
  '🤔',
  '😮',
  '😢',
  '😞',
  '🙏',
  '👍',
  '👎',
  '👏',
  '👋',
  '🤝',
  '💪',
  '🙌',
  '✅',
  '❌',
  '⚠️',
  '❗',
  '❓',
  '⏰',
  '📞',
  '📦',
  '🚚',
  '💳',
  '🧾',
  '📄',
  '📍',
  '🏠',
  '🎉',
  '🎁',
  '❤️',
  '💙',
  '⭐',
  '🔥',
] as const;

export function EmojiPicker({
  isOpen,
  onToggle,
  onPick,
  disabled,
}: {
  isOpen: boolean;
  onToggle: () => void;
  onPick: (emoji: string) => void;
  disabled: boolean;
}) {
  const { t } = useI18n();
  return (
    <div className="emoji-picker">
      <button
        type="button"
        aria-expanded={isOpen}
        aria-label={t('composer.emoji')}
        title={`${t('composer.emoji')} (Alt+E)`}
        onClick={onToggle}
        disabled={disabled}
        data-testid="emoji-toggle"
      >
        <span aria-hidden="true">😊</span>
      </button>
      {isOpen ? (
        <div className="emoji-grid" role="group" aria-label={t('composer.emoji')} data-testid="emoji-grid">
          {EMOJIS.map((emoji) => (
            <button key={emoji} type="button" onClick={() => onPick(emoji)} aria-label={emoji}>
              {emoji}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}

/** Inserts at the caret of a textarea's value; returns the new value and caret. */
export function insertAt(text: string, start: number, end: number, inserted: string) {
  return { text: text.slice(0, start) + inserted + text.slice(end), caret: start + inserted.length };
}
