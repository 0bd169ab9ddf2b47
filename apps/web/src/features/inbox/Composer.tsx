import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { CannedResponseDto } from '@switchboard/contracts';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage } from '../../shared/ui/components';
import { applyCanned, fillVariables, formatFileSize, type CannedVariables, type SlashQuery } from './canned';
import { CannedPicker, useCannedPicker } from './CannedPicker';
import './canned.css';
import { ModeSwitch, ShortcutsDialog, SnoozeMenu, type ComposerMode } from './ComposerTools';
import { EmojiPicker, insertAt } from './EmojiPicker';
import { TypingSignal } from './thread-model';

const MAX_LENGTH = 4096;

/** A canned response's file on its way into the composer, or attached to the reply. */
type DraftFile = { status: 'loading'; name: string } | { status: 'ready'; file: File };

/**
 * The reply box: Enter sends, Shift+Enter breaks the line; typing is signalled to colleagues.
 * `/shortcut` inserts a canned response (and attaches its file: the reply then goes as the
 * file with the text as its caption; a file dropped on the box or pasted into it is attached
 * the same way), a private note goes to colleagues only, and the
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
  loadCannedFile,
  onSendFile,
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
  /** A canned response's file; with `onSendFile`, picking a reply that has one attaches it. */
  loadCannedFile?: ((canned: CannedResponseDto) => Promise<File>) | undefined;
  /** Sends a file with the text as its caption. */
  onSendFile?: ((file: File, caption: string) => Promise<void>) | undefined;
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
  const [draftFile, setDraftFile] = useState<DraftFile | null>(null);
  const fileRequest = useRef(0);
  useEffect(() => setDraftFile(null), [conversationId]);
  const insertCanned = (canned: CannedResponseDto, slash: SlashQuery) => {
    putText(applyCanned(text, slash, variables ? fillVariables(canned.body, variables) : canned.body));
    if (!canned.attachment || !loadCannedFile || !onSendFile) return;
    const request = (fileRequest.current += 1);
    setDraftFile({ status: 'loading', name: canned.attachment.filename ?? canned.shortcut });
    loadCannedFile(canned).then(
      (file) => request === fileRequest.current && setDraftFile({ status: 'ready', file }),
      (failure: unknown) => {
        if (request !== fileRequest.current) return;
        setDraftFile(null);
        setError(failure);
      },
    );
  };
  const picker = useCannedPicker(text, caret, loadCanned, insertCanned);
  /** A file dropped on the composer or pasted into it: attached like a canned response's. */
  const attachFile = (files: FileList | null | undefined): boolean => {
    const dropped = files?.[0];
    if (!dropped || !onSendFile || !canWrite || mode === 'note') return false;
    fileRequest.current += 1;
    setDraftFile({ status: 'ready', file: dropped });
    return true;
  };
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

  const file = !isNote && draftFile?.status === 'ready' && onSendFile ? draftFile.file : null;
  const isFileLoading = !isNote && draftFile?.status === 'loading';
  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    const body = text.trim();
    if ((!body && !file) || isSending || isFileLoading) return;
    setIsSending(true);
    setError(null);
    typing.stop();
    try {
      if (isNote && onNote) await onNote(body);
      else if (file && onSendFile) await onSendFile(file, body);
      else await onSend(body);
      setText('');
      if (file) setDraftFile(null);
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
      onDragOver={(event) => {
        if (onSendFile && canWrite && event.dataTransfer.types.includes('Files')) event.preventDefault();
      }}
      onDrop={(event) => {
        if (attachFile(event.dataTransfer.files)) event.preventDefault();
      }}
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
        onPick={(canned) => picker.slash && insertCanned(canned, picker.slash)}
      />
      {draftFile && !isNote ? (
        <div className="composer-attachment" data-testid="composer-attachment" aria-live="polite">
          <span className="composer-attachment-name">
            📎 {draftFile.status === 'ready' ? draftFile.file.name : draftFile.name}
          </span>
          <span className="muted small">
            {draftFile.status === 'ready' ? formatFileSize(draftFile.file.size) : t('composer.file_loading')}
          </span>
          <button
            type="button"
            className="link"
            onClick={() => {
              fileRequest.current += 1;
              setDraftFile(null);
            }}
            data-testid="composer-attachment-remove"
          >
            {t('composer.remove_file')}
          </button>
        </div>
      ) : null}
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
        onPaste={(event) => {
          if (attachFile(event.clipboardData.files)) event.preventDefault();
        }}
        onBlur={() => typing.stop()}
        onKeyDown={(event) => {
          if (picker.onKeyDown(event) || onShortcut(event)) return;
          if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            void submit();
          }
        }}
      />
      <button
        type="submit"
        className="primary"
        disabled={!canType || isSending || isFileLoading || (!text.trim() && !file)}
        data-testid="send"
      >
        {isNote ? t('composer.add_note') : t('composer.send')}
      </button>
      <ErrorMessage error={error} />
      <ShortcutsDialog isOpen={panel === 'help'} onClose={() => setPanel(null)} />
    </form>
  );
}
