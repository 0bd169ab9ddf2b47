import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage } from '../../shared/ui/components';
import { TypingSignal } from './thread-model';

const MAX_LENGTH = 4096;

/** The reply box: Enter sends, Shift+Enter breaks the line; typing is signalled to colleagues. */
export function Composer({
  conversationId,
  canWrite,
  onSend,
  sendTyping,
}: {
  conversationId: string;
  canWrite: boolean;
  onSend: (text: string) => Promise<void>;
  sendTyping: (isTyping: boolean) => void;
}) {
  const { t } = useI18n();
  const [text, setText] = useState('');
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
      await onSend(body);
      setText('');
    } catch (failure) {
      setError(failure);
    } finally {
      setIsSending(false);
    }
  };

  return (
    <form className="composer" onSubmit={(event) => void submit(event)}>
      <label className="visually-hidden" htmlFor={`composer-${conversationId}`}>
        {t('composer.label')}
      </label>
      <textarea
        id={`composer-${conversationId}`}
        value={text}
        maxLength={MAX_LENGTH}
        rows={2}
        disabled={!canWrite}
        placeholder={canWrite ? t('composer.placeholder') : t('composer.take_first')}
        data-testid="composer"
        onChange={(event) => {
          setText(event.target.value);
          if (event.target.value.trim()) typing.keystroke();
          else typing.stop();
        }}
        onBlur={() => typing.stop()}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            void submit();
          }
        }}
      />
      <button type="submit" className="primary" disabled={!canWrite || isSending || !text.trim()} data-testid="send">
        {t('composer.send')}
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}
