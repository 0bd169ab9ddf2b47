/**
 * Identities are normalized so a number written any way finds the same contact: phones to
 * E.164 (libphonenumber-js with its full metadata, read in the company's country when
 * written without a country code), e-mail in lower case, WhatsApp ids as digits.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { ValidationError } from '../../shared/errors.js';
import type { IdentityInput } from './contacts.js';

export const DEFAULT_COUNTRY = 'BR';
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** E.164 of a phone number, or undefined when it is not a valid number. */
export function toE164(raw: string, country: string): string | undefined {
  const trimmed = raw.trim();
  const parsed = parsePhoneNumberFromString(
    // WhatsApp ids and Asterisk caller ids often come without the '+'.
    /^\d{11,15}$/.test(trimmed) && !trimmed.startsWith('0') ? `+${trimmed}` : trimmed,
    country as CountryCode,
  );
  if (parsed?.isValid()) return parsed.number;
  const national = parsePhoneNumberFromString(trimmed, country as CountryCode);
  return national?.isValid() ? national.number : undefined;
}

/** The stored form of an identity; throws a ValidationError naming `field` when it is not valid. */
export function normalizeIdentity(input: IdentityInput, country: string, field: string): IdentityInput {
  const value = input.value.trim();
  const bad = (message: string) => new ValidationError('contact.invalid_identity', message, [{ field, message }]);
  switch (input.kind) {
    case 'phone': {
      const e164 = toE164(value, country);
      if (!e164) throw bad('not a valid phone number');
      return { kind: 'phone', value: e164 };
    }
    case 'whatsapp': {
      const e164 = toE164(value, country);
      const digits = (e164 ?? value).replace(/\D/g, '');
      if (!/^\d{8,15}$/.test(digits)) throw bad('not a valid WhatsApp id');
      return { kind: 'whatsapp', value: digits };
    }
    case 'email': {
      const email = value.toLowerCase();
      if (!EMAIL_PATTERN.test(email) || email.length > 254) throw bad('not a valid e-mail address');
      return { kind: 'email', value: email };
    }
    case 'webchat':
      if (!/^[A-Za-z0-9._:-]{1,128}$/.test(value)) throw bad('not a valid visitor id');
      return { kind: 'webchat', value };
  }
}

export function assertCountry(country: string): void {
  if (!/^[A-Z]{2}$/.test(country) || !isSupportedCountry(country)) {
    throw new ValidationError('contact.invalid_country', 'Not an ISO 3166-1 country code.', [
      { field: 'body.country', message: 'two capital letters, e.g. BR' },
    ]);
  }
}

/**
 * A number a PBX or WhatsApp reported: E.164 when valid, else its digits with '+' (a
 * carrier's number libphonenumber does not know yet must still find its contact, as the
 * conversations module stores it).
 */
export function toE164Reported(raw: string, country: string): string | undefined {
  const e164 = toE164(raw, country);
  if (e164) return e164;
  const digits = raw.replace(/[\s().-]/g, '');
  return /^\+?\d{8,15}$/.test(digits) ? `+${digits.replace(/^\+/, '')}` : undefined;
}
