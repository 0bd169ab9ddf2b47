/**
 * Dialogs of the admin screens on the native <dialog> (focus moved in and trapped, Esc
 * closes, focus returned): a confirmation in place of `window.confirm`, and a form in a
 * dialog with its Cancel and Save.
 */
import { useCallback, useRef, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';
import { Dialog } from '../ui/components';
import { AdminForm } from './AdminForm';
import type { FormState } from './use-form';

export interface ConfirmRequest {
  /** The question, e.g. "Deactivate Ana? …". */
  message: string;
  /** The confirming button's text, also the dialog's title (e.g. "Deactivate"). */
  confirmLabel: string;
  /** Destructive: the button is drawn as such. Defaults to true. */
  isDanger?: boolean;
}

export function ConfirmDialog({
  request,
  onAnswer,
}: {
  request: ConfirmRequest | null;
  onAnswer: (isConfirmed: boolean) => void;
}) {
  const { t } = useI18n();
  return (
    <Dialog
      title={request?.confirmLabel ?? ''}
      isOpen={request !== null}
      onClose={() => onAnswer(false)}
      testId="confirm-dialog"
    >
      {request ? (
        <div className="stack">
          <p>{request.message}</p>
          <div className="dialog-actions">
            <button type="button" onClick={() => onAnswer(false)} data-testid="confirm-cancel">
              {t('common.cancel')}
            </button>
            <button
              type="button"
              className={request.isDanger === false ? 'primary' : 'danger'}
              onClick={() => onAnswer(true)}
              data-testid="confirm-accept"
              autoFocus
            >
              {request.confirmLabel}
            </button>
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}

/**
 * `await confirm({...})` resolves whether the user confirmed; render `dialog` once in the
 * screen. A second question while one is open answers the first with "no".
 */
export function useConfirm(): { confirm: (request: ConfirmRequest) => Promise<boolean>; dialog: ReactNode } {
  const [request, setRequest] = useState<ConfirmRequest | null>(null);
  const resolver = useRef<((isConfirmed: boolean) => void) | null>(null);
  const confirm = useCallback((next: ConfirmRequest) => {
    resolver.current?.(false);
    setRequest(next);
    return new Promise<boolean>((resolve) => {
      resolver.current = resolve;
    });
  }, []);
  const answer = (isConfirmed: boolean) => {
    resolver.current?.(isConfirmed);
    resolver.current = null;
    setRequest(null);
  };
  return { confirm, dialog: <ConfirmDialog request={request} onAnswer={answer} /> };
}

/** A form in a modal: its fields, the failure of the last save, Cancel and Save. */
export function FormDialog<F>({
  title,
  isOpen,
  onClose,
  form,
  onSubmit,
  children,
  submitLabel,
  noValidate,
  testId,
  submitTestId,
}: {
  title: string;
  isOpen: boolean;
  onClose: () => void;
  form: FormState<F>;
  onSubmit: () => Promise<unknown>;
  children: ReactNode;
  submitLabel?: ReactNode;
  noValidate?: boolean;
  testId?: string;
  submitTestId?: string;
}) {
  const { t } = useI18n();
  return (
    <Dialog title={title} isOpen={isOpen} onClose={onClose} testId={testId}>
      <AdminForm
        form={form}
        onSubmit={onSubmit}
        submitLabel={submitLabel}
        noValidate={noValidate}
        submitTestId={submitTestId}
        actions={
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
        }
      >
        {children}
      </AdminForm>
    </Dialog>
  );
}
