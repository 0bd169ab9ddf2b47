/**
 * The form of the admin screens: fields, the failure of the last submit, a "Saved." status,
 * and its buttons (submit last). `layout="row"` lays small add forms out in one wrapping row.
 */
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';
import { ErrorMessage } from '../ui/components';
import type { FormState } from './use-form';

export function AdminForm<F>({
  form,
  onSubmit,
  children,
  title,
  submitLabel,
  actions,
  layout = 'stack',
  savedText,
  noValidate,
  testId,
  submitTestId,
  canSubmit = true,
}: {
  form: FormState<F>;
  onSubmit: () => Promise<unknown>;
  children: ReactNode;
  title?: ReactNode;
  /** Defaults to "Save". */
  submitLabel?: ReactNode;
  /** More buttons, before the submit button. */
  actions?: ReactNode;
  layout?: 'stack' | 'narrow' | 'row' | 'inline';
  /** Shown as a status after a successful submit. */
  savedText?: string;
  noValidate?: boolean;
  testId?: string;
  submitTestId?: string;
  /** False: a read-only view of the form (no submit button). */
  canSubmit?: boolean;
}) {
  const { t } = useI18n();
  const className = {
    stack: 'stack',
    narrow: 'stack narrow',
    row: 'admin-add',
    inline: 'inline-form',
  }[layout];
  const isRow = layout === 'row' || layout === 'inline';
  const feedback = (
    <>
      <ErrorMessage error={form.error} />
      {savedText && form.isSaved ? <p role="status">{savedText}</p> : null}
    </>
  );
  return (
    <form className={className} onSubmit={form.handleSubmit(onSubmit)} noValidate={noValidate} data-testid={testId}>
      {title ? <h3>{title}</h3> : null}
      {children}
      {isRow ? null : feedback}
      <div className={isRow ? 'filter-actions' : 'dialog-actions'}>
        {actions}
        {canSubmit ? (
          <button type="submit" className="primary" disabled={form.isBusy} data-testid={submitTestId}>
            {submitLabel ?? t('common.save')}
          </button>
        ) : null}
      </div>
      {isRow ? feedback : null}
    </form>
  );
}
