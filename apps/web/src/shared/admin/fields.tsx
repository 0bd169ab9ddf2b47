/**
 * Form fields of the admin screens: a visible label tied to its control, an optional hint,
 * and the field's error under it, announced and linked by `aria-describedby`, with
 * `aria-invalid` set while it stands.
 */
import {
  useId,
  type ComponentPropsWithRef,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
} from 'react';

interface FieldFrame {
  label: ReactNode;
  /** The field's error (from the form's own check or the server's problem+json). */
  error?: string | undefined;
  hint?: ReactNode;
  /** Class of the field's frame (`wide` takes a whole row in a row form). */
  className?: string;
}

/** Ids and ARIA for one control; the frame renders the label, hint and error around it. */
function useFieldIds(error: string | undefined, hint: ReactNode) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return {
    id,
    hintId,
    errorId,
    aria: { id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined },
  };
}

function Frame({
  ids,
  label,
  error,
  hint,
  className,
  children,
}: FieldFrame & { ids: ReturnType<typeof useFieldIds>; children: ReactNode }) {
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={ids.id}>{label}</label>
      {children}
      {hint ? (
        <span id={ids.hintId} className="muted small">
          {hint}
        </span>
      ) : null}
      <FieldError id={ids.errorId} error={error} />
    </div>
  );
}

export function FieldError({ id, error }: { id?: string | undefined; error: string | undefined }) {
  if (!error) return null;
  return (
    <span id={id} className="error small" role="alert">
      {error}
    </span>
  );
}

export function TextField({
  label,
  error,
  hint,
  className,
  type = 'text',
  ...input
}: FieldFrame & Omit<InputHTMLAttributes<HTMLInputElement>, 'className'>) {
  const ids = useFieldIds(error, hint);
  return (
    <Frame ids={ids} label={label} error={error} hint={hint} className={className}>
      <input type={type} {...input} {...ids.aria} />
    </Frame>
  );
}

export function TextAreaField({
  label,
  error,
  hint,
  className,
  ...textarea
}: FieldFrame & Omit<ComponentPropsWithRef<'textarea'>, 'className'>) {
  const ids = useFieldIds(error, hint);
  return (
    <Frame ids={ids} label={label} error={error} hint={hint} className={className}>
      <textarea {...textarea} {...ids.aria} />
    </Frame>
  );
}

export interface Option {
  value: string;
  label: string;
}

export function SelectField({
  label,
  error,
  hint,
  className,
  options,
  ...select
}: FieldFrame & { options: readonly Option[] } & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'className'>) {
  const ids = useFieldIds(error, hint);
  return (
    <Frame ids={ids} label={label} error={error} hint={hint} className={className}>
      <select {...select} {...ids.aria}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </Frame>
  );
}

/** A yes/no: the box before its text, in one label. */
export function CheckboxField({
  label,
  checked,
  onChange,
  disabled,
  testId,
}: {
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  testId?: string;
}) {
  return (
    <label className="checkbox">
      <input
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(event) => onChange(event.target.checked)}
        data-testid={testId}
      />{' '}
      {label}
    </label>
  );
}

/** Several of a fixed set (event types, scopes): a fieldset of checkboxes. */
export function CheckboxGroup({
  legend,
  options,
  value,
  onChange,
  error,
}: {
  legend: ReactNode;
  options: readonly string[];
  value: readonly string[];
  onChange: (value: string[]) => void;
  error?: string | undefined;
}) {
  const errorId = useId();
  return (
    <fieldset aria-describedby={error ? errorId : undefined}>
      <legend>{legend}</legend>
      {options.map((option) => (
        <label key={option} className="inline">
          <input
            type="checkbox"
            checked={value.includes(option)}
            onChange={(event) =>
              onChange(event.target.checked ? [...value, option] : value.filter((item) => item !== option))
            }
          />{' '}
          <code>{option}</code>
        </label>
      ))}
      <FieldError id={errorId} error={error} />
    </fieldset>
  );
}
