import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/api-error';
import { translate } from '../../shared/i18n/i18n';
import { fieldErrorsOf } from './password-reason';

const weak = new ApiError(400, 'password.weak', 'The password is too easy to guess.', {
  type: 'https://switchboard.dev/problems/password/weak',
  title: 'Bad Request',
  status: 400,
  code: 'password.weak',
  errors: [
    { field: 'body.new_password', message: 'warning.similarToCommon' },
    { field: 'body.new_password', message: 'suggestion.anotherWord' },
  ],
});

describe('fieldErrorsOf', () => {
  it('shows a weak password’s reason and advice in Portuguese and in English', () => {
    expect(fieldErrorsOf((key) => translate('pt-BR', key), weak)).toEqual({
      new_password: 'Esta senha é parecida com uma senha comum. Acrescente mais palavras pouco comuns.',
    });
    expect(fieldErrorsOf((key) => translate('en', key), weak)).toEqual({
      new_password: 'This is similar to a commonly used password. Add more words that are less common.',
    });
  });

  it('keeps other problems’ messages as the server wrote them', () => {
    const invalid = new ApiError(400, 'request.invalid', 'Invalid', {
      type: 'x',
      title: 'Bad Request',
      status: 400,
      code: 'request.invalid',
      errors: [{ field: 'body.email', message: 'Invalid email address' }],
    });
    expect(fieldErrorsOf((key) => translate('en', key), invalid)).toEqual({ email: 'Invalid email address' });
  });
});
