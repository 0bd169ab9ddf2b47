/**
 * The `/shortcut` picker over the composer: the company's canned responses and the agent's
 * own, filtered as they type; ↑/↓ choose, Enter or Tab insert (variables filled in), Esc closes.
 */
import { useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import type { CannedResponseDto } from '@switchboard/contracts';
import { useI18n } from '../../shared/i18n/i18n';
import { matchCanned, slashQueryAt, type SlashQuery } from './canned';

export interface CannedPickerState {
  slash: SlashQuery | null;
  matches: CannedResponseDto[];
  active: number;
  /** Call from the textarea's keydown; true when the picker used the key. */
  onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): boolean;
  close(): void;
}

/** Follows the text and caret; `onPick` receives the chosen reply and the slash word it replaces. */
export function useCannedPicker(
  text: string,
  caret: number,
  load: (() => Promise<CannedResponseDto[]>) | undefined,
  onPick: (canned: CannedResponseDto, slash: SlashQuery) => void,
): CannedPickerState {
  const [items, setItems] = useState<CannedResponseDto[] | null>(null);
  const [active, setActive] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const slash = useMemo(() => slashQueryAt(text, caret), [text, caret]);
  const isOpen = load !== undefined && slash !== null && dismissedAt !== slash.start;

  // Loaded once per composer, when the first slash is typed.
  useEffect(() => {
    if (!isOpen || items !== null || !load) return;
    load().then(setItems, () => setItems([]));
  }, [load, isOpen, items]);

  const matches = useMemo(
    () => (isOpen && slash && items ? matchCanned(items, slash.query) : []),
    [isOpen, slash, items],
  );
  useEffect(() => setActive(0), [slash?.query]);

  return {
    slash: isOpen ? slash : null,
    matches,
    active,
    close: () => setDismissedAt(slash?.start ?? null),
    onKeyDown(event) {
      if (!isOpen || !slash || matches.length === 0) return false;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setActive((current) => (current + step + matches.length) % matches.length);
        return true;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        const chosen = matches[active];
        if (!chosen) return false;
        event.preventDefault();
        onPick(chosen, slash);
        return true;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setDismissedAt(slash.start);
        return true;
      }
      return false;
    },
  };
}

export function CannedPicker({
  state,
  listId,
  onPick,
}: {
  state: CannedPickerState;
  listId: string;
  onPick: (canned: CannedResponseDto) => void;
}) {
  const { t } = useI18n();
  if (!state.slash) return null;
  return (
    <div className="canned-picker" data-testid="canned-picker">
      {state.matches.length === 0 ? (
        <p className="muted small">{t('canned.none', { query: state.slash.query })}</p>
      ) : (
        <ul id={listId} role="listbox" aria-label={t('canned.title')}>
          {state.matches.map((canned, index) => (
            <li
              key={canned.id}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === state.active}
              className={index === state.active ? 'is-active' : ''}
              data-testid="canned-option"
              onMouseDown={(event) => {
                event.preventDefault();
                onPick(canned);
              }}
            >
              <strong>/{canned.shortcut}</strong>{' '}
              {canned.scope === 'personal' ? <span className="badge">{t('canned.personal')}</span> : null}
              <span className="canned-body">{canned.body}</span>
              {canned.attachment ? (
                <span className="muted small" data-testid="canned-option-file">
                  {' '}
                  📎 {canned.attachment.filename ?? canned.attachment.kind}
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
