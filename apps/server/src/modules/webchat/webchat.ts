/**
 * Web chat: the widget a company embeds on its site. Channels (what the widget shows, which
 * pages may embed it), anonymous visitors, and the rules for what they send: origins,
 * pre-chat answers, files.
 */
import { ForbiddenError, UnprocessableError, ValidationError } from '../../shared/errors.js';

export type PrechatRequirement = 'off' | 'optional' | 'required';
export const PRECHAT_FIELDS = ['name', 'email', 'phone'] as const;
export type PrechatField = (typeof PRECHAT_FIELDS)[number];

export interface WebchatChannel {
  id: string;
  companyId: string;
  name: string;
  /** `scheme://host[:port]`, lower case, no path. */
  allowedOrigins: string[];
  greeting: string | null;
  prechatFields: Record<PrechatField, PrechatRequirement>;
  defaultQueueId: string | null;
  /** Shown (and the offline form offered) when the default queue is closed. */
  offlineMessage: string | null;
  colors: { primary: string; text: string };
  createdAt: Date;
  updatedAt: Date;
}

export interface WebchatVisitor {
  id: string;
  companyId: string;
  channelId: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  createdAt: Date;
}

/** What a visitor's signed token says. */
export interface VisitorClaims {
  visitorId: string;
  companyId: string;
  channelId: string;
}

export const DEFAULT_COLORS = { primary: '#1f6feb', text: '#ffffff' } as const;
export const DEFAULT_PRECHAT: Record<PrechatField, PrechatRequirement> = {
  name: 'optional',
  email: 'off',
  phone: 'off',
};

/** An origin as browsers send it (`https://shop.example.com`, `http://127.0.0.1:8080`), or undefined. */
export function normalizeOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    return undefined;
  }
  return url.origin.toLowerCase();
}

export function isOriginAllowed(channel: Pick<WebchatChannel, 'allowedOrigins'>, origin: string | undefined): boolean {
  if (!origin) return false;
  const normalized = normalizeOrigin(origin);
  return normalized !== undefined && channel.allowedOrigins.includes(normalized);
}

export function assertOriginAllowed(channel: Pick<WebchatChannel, 'allowedOrigins'>, origin: string | undefined): void {
  if (!isOriginAllowed(channel, origin)) {
    throw new ForbiddenError('webchat.origin_not_allowed', 'This page may not open the chat.');
  }
}

const EMAIL = /^[^\s@<>()]{1,64}@[^\s@<>()]{1,189}\.[^\s@<>()]{2,}$/;
const PHONE = /^\+?[0-9 ()-]{6,20}$/;

/**
 * The pre-chat answers the channel asks for, checked: a required field missing, a field the
 * channel does not ask for, or a malformed e-mail or phone is a 400 naming the field.
 */
export function checkPrechat(
  fields: Record<PrechatField, PrechatRequirement>,
  answers: Partial<Record<PrechatField, string | null | undefined>>,
): Record<PrechatField, string | null> {
  const problems: { field: string; message: string }[] = [];
  const result: Record<PrechatField, string | null> = { name: null, email: null, phone: null };
  for (const field of PRECHAT_FIELDS) {
    const value = answers[field]?.trim() || null;
    const requirement = fields[field];
    if (requirement === 'off') continue;
    if (value === null) {
      if (requirement === 'required') problems.push({ field: `body.${field}`, message: 'required' });
      continue;
    }
    if (field === 'email' && !EMAIL.test(value)) problems.push({ field: 'body.email', message: 'not an e-mail' });
    else if (field === 'phone' && !PHONE.test(value))
      problems.push({ field: 'body.phone', message: 'not a phone number' });
    else result[field] = value.slice(0, field === 'name' ? 100 : 254);
  }
  if (problems.length > 0)
    throw new ValidationError('webchat.prechat_invalid', 'The pre-chat form is incomplete.', problems);
  return result;
}

/** The phone in E.164 when it can be read as one (digits, with the country code). */
export function e164Of(phone: string | null): string | null {
  if (!phone) return null;
  const digits = phone.replace(/[^0-9]/g, '');
  return digits.length >= 8 && digits.length <= 15 ? `+${digits}` : null;
}

const MB = 1024 * 1024;

/** What visitors may send: pictures and PDFs, told by their first bytes, not by their name. */
export const VISITOR_FILE_LIMITS = {
  image: { maxBytes: 5 * MB, mimeTypes: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] },
  document: { maxBytes: 10 * MB, mimeTypes: ['application/pdf'] },
} as const;
export const MAX_VISITOR_FILE_BYTES = VISITOR_FILE_LIMITS.document.maxBytes;

export function classifyVisitorFile(bytes: Buffer): { kind: 'image' | 'document'; mimeType: string } {
  const mimeType = sniff(bytes.subarray(0, 16));
  if (bytes.length === 0) throw new UnprocessableError('attachment.empty', 'The file is empty.');
  const kind = (['image', 'document'] as const).find(
    (k) => mimeType !== undefined && (VISITOR_FILE_LIMITS[k].mimeTypes as readonly string[]).includes(mimeType),
  );
  if (!kind || !mimeType) {
    throw new UnprocessableError(
      'attachment.type_not_supported',
      'Only pictures (JPEG, PNG, GIF, WebP) and PDF documents can be sent.',
    );
  }
  const { maxBytes } = VISITOR_FILE_LIMITS[kind];
  if (bytes.length > maxBytes) {
    throw new UnprocessableError(
      'attachment.too_large',
      `${kind === 'image' ? 'Pictures' : 'Documents'} may be up to ${maxBytes / MB} MB.`,
    );
  }
  return { kind, mimeType };
}

function sniff(head: Buffer): string | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') {
    return 'image/webp';
  }
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return undefined;
}

/** A file name safe to store and show: no path, no control characters, bounded. */
export function cleanName(filename: string | undefined): string | null {
  const base = (filename ?? '').split(/[\\/]/).pop() ?? '';
  const clean = [...base]
    .filter((c) => c !== '"' && c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)
    .join('')
    .trim()
    .slice(0, 200);
  return clean === '' ? null : clean;
}
