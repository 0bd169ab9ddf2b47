/** Small building blocks shared by the screens: dialogs, messages, status dots. */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import type { PresenceStatus } from '@switchboard/contracts';
import { ApiError, NetworkError, SessionEndedError } from '../api/api-error';
import { useI18n, type Translate } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages-en';
import { en } from '../i18n/messages-en';

/** A translated message for a failure: known problem codes have their own text. */
export function errorText(t: Translate, error: unknown): string {
  if (error instanceof SessionEndedError) return t('error.session_ended');
  if (error instanceof NetworkError) return t('error.network');
  if (error instanceof ApiError) {
    const key = `error.${error.code}`;
    if (key in en) return t(key as MessageKey);
    return error.message;
  }
  if (typeof error === 'string') {
    const key = `error.${error}`;
    if (key in en) return t(key as MessageKey);
    return error;
  }
  return t('error.unexpected');
}

export function ErrorMessage({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (error === undefined || error === null) return null;
  return (
    <p className="error" role="alert">
      {errorText(t, error)}
    </p>
  );
}

/**
 * A modal on the native <dialog>: focus moves in and is trapped, Esc closes, focus
 * returns to where it was.
 */
export function Dialog({
  title,
  isOpen,
  onClose,
  children,
  testId,
}: {
  title: string;
  isOpen: boolean;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (isOpen && !dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    } else if (!isOpen && dialog.open) {
      if (typeof dialog.close === 'function') dialog.close();
      else dialog.removeAttribute('open');
    }
  }, [isOpen]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {isOpen ? (
        <div className="dialog-body">
          <header className="dialog-header">
            <h2 id={titleId}>{title}</h2>
            <CloseButton onClick={onClose} />
          </header>
          {children}
        </div>
      ) : null}
    </dialog>
  );
}

function CloseButton({ onClick }: { onClick: () => void }) {
  const { t } = useI18n();
  return (
    <button type="button" className="icon-button" onClick={onClick} aria-label={t('common.close')}>
      ×
    </button>
  );
}

export function StatusDot({ status, label }: { status: PresenceStatus | 'unknown'; label?: string }) {
  return <span className={`status-dot status-${status}`} role={label ? 'img' : undefined} aria-label={label} />;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" aria-live="polite">
      {t('common.loading')}
    </p>
  );
}
