/**
 * How guessable a new password is, scored by zxcvbn-ts with its common-password and
 * Brazilian Portuguese dictionaries, offline (ADR 15). A password is refused below score
 * 3 ("safely unguessable": about 10^8 guesses), on top of the 12-character minimum the API
 * schemas enforce. The user's own email, name and company count as guessable words.
 */
import zxcvbnCore from '@zxcvbn-ts/core';
import languageCommon from '@zxcvbn-ts/language-common';
import languagePtBr from '@zxcvbn-ts/language-pt-br';
import { ValidationError } from '../../shared/errors.js';

export const MIN_PASSWORD_SCORE = 3;
export const MIN_PASSWORD_LENGTH = 12;
/**
 * Scoring time grows fast with length and l33t substitutions (seconds for 256 mixed
 * characters); past this many characters a password is judged by its beginning.
 */
const SCORED_LENGTH = 64;

export interface PasswordAssessment {
  isStrong: boolean;
  score: number;
  /** zxcvbn's feedback keys (`commonNames`, `useWords` …): the console translates them. */
  warning: string | null;
  suggestions: string[];
}

/** The keys as their own translations: feedback comes back as stable keys, not text. */
function keysOf<T extends Record<string, Record<string, string>>>(translations: T): T {
  return Object.fromEntries(
    Object.entries(translations).map(([group, entries]) => [
      group,
      Object.fromEntries(Object.keys(entries).map((key) => [key, key])),
    ]),
  ) as T;
}

let factory: InstanceType<typeof zxcvbnCore.ZxcvbnFactory> | undefined;

// Built on first use: loading the dictionaries takes a moment the server's start does not need.
function scorer(): InstanceType<typeof zxcvbnCore.ZxcvbnFactory> {
  factory ??= new zxcvbnCore.ZxcvbnFactory({
    dictionary: { ...languageCommon.dictionary, ...languagePtBr.dictionary },
    graphs: languageCommon.adjacencyGraphs,
    translations: keysOf(languagePtBr.translations),
    maxLength: SCORED_LENGTH,
    l33tMaxSubstitutions: 4,
  });
  return factory;
}

export function assessPassword(password: string, userInputs: readonly string[] = []): PasswordAssessment {
  const words = userInputs.flatMap((input) => input.toLowerCase().split(/[^\p{L}\p{N}]+/u)).filter((w) => w.length > 2);
  const result = scorer().check(password, words);
  return {
    isStrong: password.length >= MIN_PASSWORD_LENGTH && result.score >= MIN_PASSWORD_SCORE,
    score: result.score,
    warning: result.feedback.warning,
    suggestions: result.feedback.suggestions,
  };
}

/**
 * Throws `password.weak` (400) with the reason: one issue on `field` per feedback key,
 * `warning.<key>` and `suggestion.<key>`, which the console shows in the user's language.
 */
export function assertStrongPassword(password: string, userInputs: readonly string[], field: string): void {
  const assessment = assessPassword(password, userInputs);
  if (assessment.isStrong) return;
  const reasons = [
    ...(assessment.warning ? [`warning.${assessment.warning}`] : []),
    ...assessment.suggestions.map((key) => `suggestion.${key}`),
  ];
  throw new ValidationError(
    'password.weak',
    `The password is too easy to guess (strength ${assessment.score} of 4, at least ${MIN_PASSWORD_SCORE} needed)${
      assessment.warning ? `: ${assessment.warning}` : ''
    }. Use a longer passphrase of uncommon words.`,
    (reasons.length > 0 ? reasons : ['warning.weak']).map((message) => ({ field, message })),
  );
}
