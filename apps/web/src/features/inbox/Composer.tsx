import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { CannedResponseDto } from '@switchboard/contracts';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage } from '../../shared/ui/components';
import { applyCanned, fillVariables, type CannedVariables } from './canned';
import { CannedPicker, useCannedPicker } from './CannedPicker';
import { ModeSwitch, ShortcutsDialog, SnoozeMenu, type ComposerMode } from './ComposerTools';
import { EmojiPicker, insertAt } from './EmojiPicker';
import { TypingSignal } from './thread-model';

const MAX_LENGTH = 4096;

/**
 * The reply box: Enter sends, Shift+Enter breaks the line; typing is signalled to colleagues.
 * `/shortcut` inserts a canned response, a private note goes to colleagues only, and the
 * toolbar has emoji, snooze and the shortcuts help (ComposerTools.tsx).
 */
export function Composer({
  conversationId,
  canWrite,
  onSend,
  sendTyping,
  onNote,
  onSnooze,
  variables,
  loadCanned,
}: {
  conversationId: string;
  canWrite: boolean;
  onSend: (text: string) => Promise<void>;
  sendTyping: (isTyping: boolean) => void;
  /** A private note (never sent to the customer); absent: no note mode. */
  onNote?: ((text: string) => Promise<void>) | undefined;
  onSnooze?: ((until: Date) => Promise<void>) | undefined;
  variables?: CannedVariables | undefined;
  /** The canned responses the `/` picker offers; absent: no picker. */
  loadCanned?: (() => Promise<CannedResponseDto[]>) | undefined;
}) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [mode, setMode] = useState<ComposerMode>('reply');
  const [panel, setPanel] = useState<'emoji' | 'snooze' | 'help' | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const isNote = mode === 'note' && onNote !== undefined;
  const canType = canWrite || isNote;
  const putText = (next: { text: string; caret: number }) => {
    setText(next.text);
    setCaret(next.caret);
    requestAnimationFrame(() => {
      area.current?.focus();
      area.current?.setSelectionRange(next.caret, next.caret);
    });
  };
  const picker = useCannedPicker(text, caret, loadCanned, (canned, slash) =>
    putText(applyCanned(text, slash, variables ? fillVariables(canned.body, variables) : canned.body)),
  );
  const onShortcut = (event: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    const key = event.key.toLowerCase();
    const toggle = (which: 'emoji' | 'snooze' | 'help') => setPanel((open) => (open === which ? null : which));
    if (event.altKey && key === 'n' && onNote) setMode((current) => (current === 'note' ? 'reply' : 'note'));
    else if (event.altKey && key === 'e') toggle('emoji');
    else if (event.altKey && key === 's' && onSnooze) toggle('snooze');
    else if ((event.ctrlKey || event.metaKey) && key === '/') toggle('help');
    else return false;
    event.preventDefault();
    return true;
  };
  const [error, setError] = useState<unknown>(null);
  const [isSending, setIsSending] = useState(false);
  const sendTypingRef = useRef(sendTyping);
  sendTypingRef.current = sendTyping;
  const typing = useMemo(
    () => new TypingSignal((isTyping) => sendTypingRef.current(isTyping), { renewMs: 10_000, idleMs: 5_000 }),
    // One signal per conversation.
    [conversationId],
  );
  useEffect(() => () => typing.stop(), [typing]);

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    const body = text.trim();
    if (!body || isSending) return;
    setIsSending(true);
    setError(null);
    typing.stop();
    try {
      await (isNote && onNote ? onNote(body) : onSend(body));
      setText('');
    } catch (failure) {
      setError(failure);
    } finally {
      setIsSending(false);
    }
  };

  return (
    <form
      className={`composer ${isNote ? 'is-note' : ''}`}
      onSubmit={(event) => void submit(event)}
      data-mode={isNote ? 'note' : 'reply'}
    >
      <div className="composer-tools">
        {onNote ? <ModeSwitch mode={isNote ? 'note' : 'reply'} onMode={setMode} /> : null}
        <EmojiPicker
          isOpen={panel === 'emoji'}
          onToggle={() => setPanel((open) => (open === 'emoji' ? null : 'emoji'))}
          disabled={!canType}
          onPick={(emoji) => {
            const start = area.current?.selectionStart ?? text.length;
            const end = area.current?.selectionEnd ?? text.length;
            putText(insertAt(text, start, end, emoji));
          }}
        />
        {onSnooze ? (
          <SnoozeMenu
            isOpen={panel === 'snooze'}
            onToggle={() => setPanel((open) => (open === 'snooze' ? null : 'snooze'))}
            disabled={!canWrite}
            onSnooze={async (until) => {
              await onSnooze(until);
              setPanel(null);
            }}
          />
        ) : null}
        <button
          type="button"
          className="link"
          onClick={() => setPanel('help')}
          title="Ctrl+/"
          data-testid="shortcuts-help"
        >
          {t('shortcuts.title')}
        </button>
      </div>
      <CannedPicker
        state={picker}
        listId={`canned-${conversationId}`}
        onPick={(canned) =>
          picker.slash &&
          putText(applyCanned(text, picker.slash, variables ? fillVariables(canned.body, variables) : canned.body))
        }
      />
      <label className="visually-hidden" htmlFor={`composer-${conversationId}`}>
        {isNote ? t('composer.note') : t('composer.label')}
      </label>
      <textarea
        ref={area}
        id={`composer-${conversationId}`}
        value={text}
        maxLength={MAX_LENGTH}
        rows={2}
        disabled={!canType}
        placeholder={
          isNote ? t('composer.note_placeholder') : canWrite ? t('composer.placeholder') : t('composer.take_first')
        }
        aria-activedescendant={
          picker.slash && picker.matches.length > 0 ? `canned-${conversationId}-${picker.active}` : undefined
        }
        data-testid="composer"
        onChange={(event) => {
          setText(event.target.value);
          setCaret(event.target.selectionStart);
          // A note is not typing to the customer's thread: colleagues are not told.
          if (isNote) return;
          if (event.target.value.trim()) typing.keystroke();
          else typing.stop();
        }}
        onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
        onBlur={() => typing.stop()}
        onKeyDown={(event) => {
          if (picker.onKeyDown(event) || onShortcut(event)) return;
          if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            void submit();
          }
        }}
      />
      <button type="submit" className="primary" disabled={!canType || isSending || !text.trim()} data-testid="send">
        {isNote ? t('composer.add_note') : t('composer.send')}
      </button>
      <ErrorMessage error={error} />
      <ShortcutsDialog isOpen={panel === 'help'} onClose={() => setPanel(null)} />
    </form>
  );
}
