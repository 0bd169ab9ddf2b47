/**
 * One form's state: its values, the errors of its fields (from the contract's schema before
 * sending, or from the server's problem+json after), the last failure, whether it is busy
 * and whether the last submit succeeded.
 */
import { useCallback, useRef, useState, type FormEvent } from 'react';
import type { z } from 'zod';
import { ApiError } from '../api/api-error';

export type FieldErrors = Record<string, string>;

export interface FormState<F> {
  values: F;
  set: <K extends keyof F>(name: K, value: F[K]) => void;
  /** Back to the given values (or the first ones), errors and "saved" cleared. */
  reset: (values?: F) => void;
  /** `value`, `onChange` and `error` for a text, select or textarea field of a string value. */
  field: (name: keyof F & string) => {
    value: string;
    onChange: (event: { target: { value: string } }) => void;
    error: string | undefined;
  };
  fieldErrors: FieldErrors;
  error: unknown;
  isBusy: boolean;
  /** The last submit went through (for a "Saved." status). */
  isSaved: boolean;
  /** Parses `body` with the contract's schema; on failure shows each field's issue and gives undefined. */
  validate: <S extends z.ZodType>(schema: S, body: unknown) => z.output<S> | undefined;
  /** The form's submit handler: runs `action`, keeping busy, error and field errors. */
  handleSubmit: (action: () => Promise<unknown>) => (event?: FormEvent) => void;
  /** Runs `action` as a submit would (busy, errors); resolves whether it succeeded. */
  run: (action: () => Promise<unknown>) => Promise<boolean>;
}

export function issuesOf(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): FieldErrors {
  return Object.fromEntries(error.issues.map((issue) => [String(issue.path[0]), issue.message]));
}

export function useForm<F extends object>(
  initial: F,
  options: { fieldErrorsOf?: (error: ApiError) => FieldErrors } = {},
): FormState<F> {
  const first = useRef(initial);
  const [values, setValues] = useState<F>(initial);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setIsBusy] = useState(false);
  const [isSaved, setIsSaved] = useState(false);
  const mapFieldErrors = options.fieldErrorsOf ?? ((failure: ApiError) => failure.fieldErrors);
  const invalid = useRef(false);

  const set = useCallback(<K extends keyof F>(name: K, value: F[K]) => {
    setValues((current) => ({ ...current, [name]: value }));
  }, []);

  const reset = useCallback((next?: F) => {
    setValues(next ?? first.current);
    setFieldErrors({});
    setError(null);
    setIsSaved(false);
  }, []);

  const validate = <S extends z.ZodType>(schema: S, body: unknown): z.output<S> | undefined => {
    const parsed = schema.safeParse(body);
    if (parsed.success) {
      setFieldErrors({});
      return parsed.data;
    }
    setFieldErrors(issuesOf(parsed.error));
    invalid.current = true;
    return undefined;
  };

  const run = async (action: () => Promise<unknown>): Promise<boolean> => {
    setError(null);
    setIsSaved(false);
    setIsBusy(true);
    invalid.current = false;
    try {
      await action();
      // Stopped by the form's own check: the fields say why.
      if (invalid.current) return false;
      setFieldErrors({});
      setIsSaved(true);
      return true;
    } catch (failure) {
      if (failure instanceof ApiError) setFieldErrors(mapFieldErrors(failure));
      setError(failure);
      return false;
    } finally {
      setIsBusy(false);
    }
  };

  return {
    values,
    set,
    reset,
    field: (name) => ({
      value: String(values[name] ?? ''),
      onChange: (event) => set(name, event.target.value as F[typeof name]),
      error: fieldErrors[name],
    }),
    fieldErrors,
    error,
    isBusy,
    isSaved,
    validate,
    handleSubmit: (action) => (event) => {
      event?.preventDefault();
      void run(action);
    },
    run,
  };
}
