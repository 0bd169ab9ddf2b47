import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.js';
import { assertStrongPassword, assessPassword } from './password-strength.js';

describe('password strength', () => {
  it.each(['            ', 'password1234', 'aaaaaaaaaaaa', 'qwertyuiop123', 'senha12345678', 'Senha@2024'])(
    'refuses %j',
    (password) => {
      expect(assessPassword(password).isStrong).toBe(false);
    },
  );

  it('accepts a passphrase of uncommon words', () => {
    expect(assessPassword('violet tram under the bridge')).toMatchObject({ isStrong: true, score: 4 });
  });

  it('refuses a long password that is only the user’s own name', () => {
    const inputs = ['xerxanda.quimbolt@acme.test', 'Xerxanda Quimbolt'];
    expect(assessPassword('xerxandaquimbolt', []).isStrong).toBe(true);
    expect(assessPassword('xerxandaquimbolt', inputs)).toMatchObject({ isStrong: false });
  });

  it('refuses a short password whatever its score', () => {
    expect(assessPassword('x7#Kq!9z').isStrong).toBe(false);
  });

  it('judges a very long password by its beginning', () => {
    expect(assessPassword('a'.repeat(256)).isStrong).toBe(false);
    expect(assessPassword(`violet tram under the bridge ${'a'.repeat(200)}`).isStrong).toBe(true);
  });

  it('throws password.weak with the feedback as keys on the field', () => {
    let thrown: unknown;
    try {
      assertStrongPassword('password1234', [], 'body.new_password');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    const error = thrown as ValidationError;
    expect(error.code).toBe('password.weak');
    expect(error.issues).toContainEqual({ field: 'body.new_password', message: 'warning.similarToCommon' });
    expect(error.message).not.toContain('password1234');
  });
});
