import type { ApiError } from '../../shared/api/api-error';
import type { Translate } from '../../shared/i18n/i18n';
import { en, type MessageKey } from '../../shared/i18n/messages-en';

/**
 * `field → text` of a refused form, with the server's password feedback (`warning.<key>`,
 * `suggestion.<key>` on a `password.weak` problem) put in the user's language and joined,
 * so the field shows why the password was refused and what to do instead.
 */
export function fieldErrorsOf(t: Translate, error: ApiError): Record<string, string> {
  const out: Record<string, string[]> = {};
  for (const issue of error.problem?.errors ?? []) {
    const field = issue.field.replace(/^(body|query|params)\./, '');
    const key = `password.${issue.message}`;
    const text = error.code === 'password.weak' && key in en ? t(key as MessageKey) : issue.message;
    (out[field] ??= []).push(text);
  }
  return Object.fromEntries(Object.entries(out).map(([field, texts]) => [field, texts.join(' ')]));
}
