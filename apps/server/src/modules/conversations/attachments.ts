/**
 * Files agents send, as rules: which types WhatsApp Cloud API takes for each kind of
 * media and how large (Meta's "Supported media types": image JPEG/PNG 5 MB; audio AAC,
 * AMR, MP3, MP4 audio, OGG/Opus 16 MB; video MP4/3GPP 16 MB; documents 100 MB), and
 * whether the bytes are what the declared type says (a PNG named .jpg is re-labelled, an
 * executable called a PDF is refused). Checked when the file is uploaded, before anything
 * is sent: a refusal is a 422 naming the limit.
 */
import { UnprocessableError, ValidationError } from '../../shared/errors.js';

export type AttachmentKind = 'image' | 'document' | 'audio' | 'video';

const MB = 1024 * 1024;

export const ATTACHMENT_LIMITS: Record<AttachmentKind, { maxBytes: number; mimeTypes: readonly string[] }> = {
  image: { maxBytes: 5 * MB, mimeTypes: ['image/jpeg', 'image/png'] },
  audio: { maxBytes: 16 * MB, mimeTypes: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'] },
  video: { maxBytes: 16 * MB, mimeTypes: ['video/mp4', 'video/3gpp'] },
  document: {
    maxBytes: 100 * MB,
    mimeTypes: [
      'application/pdf',
      'text/plain',
      'application/msword',
      'application/vnd.ms-excel',
      'application/vnd.ms-powerpoint',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
  },
};

/** The largest file any kind takes: what the upload endpoint reads at most. */
export const MAX_ATTACHMENT_BYTES = Math.max(...Object.values(ATTACHMENT_LIMITS).map((l) => l.maxBytes));

/**
 * What a multipart upload's read error means to the client: a file past the largest limit is
 * 422, any other framework multipart error 400; anything else is returned as it was.
 */
export function multipartProblem(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') {
    return new UnprocessableError(
      'attachment.too_large',
      `WhatsApp takes files up to ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB (images 5 MB, audio and video 16 MB).`,
    );
  }
  if (typeof code === 'string' && code.startsWith('FST_')) {
    return new ValidationError('request.invalid_multipart', 'The multipart body could not be read.');
  }
  return error;
}

/** What the first bytes say a file is, for the types whose signature is certain. */
export function sniffMimeType(head: Buffer): string | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (head.subarray(0, 4).toString('latin1') === 'OggS') return 'audio/ogg';
  if (head.subarray(0, 6).toString('latin1') === '#!AMR\n') return 'audio/amr';
  if (head.subarray(0, 3).toString('latin1') === 'ID3') return 'audio/mpeg';
  if (head.subarray(4, 8).toString('latin1') === 'ftyp') {
    const brand = head.subarray(8, 12).toString('latin1');
    if (brand.startsWith('3g')) return 'video/3gpp';
    if (brand === 'M4A ' || brand === 'M4B ') return 'audio/mp4';
    return 'video/mp4';
  }
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') {
    return 'image/webp';
  }
  if (starts(0x4d, 0x5a) || starts(0x7f, 0x45, 0x4c, 0x46)) return 'application/x-executable';
  return undefined;
}

function baseType(mimeType: string | undefined): string {
  return (mimeType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * The kind and type a file is sent as. The bytes decide when their signature is known;
 * the declared type (or the file name's extension) only for types without one (Office
 * documents, plain text, AAC). Throws 422 `attachment.type_not_supported` or
 * `attachment.too_large`.
 */
export function classifyAttachment(input: {
  declaredMimeType: string | undefined;
  filename: string | null;
  sizeBytes: number;
  head: Buffer;
}): { kind: AttachmentKind; mimeType: string } {
  const sniffed = sniffMimeType(input.head);
  const given = baseType(input.declaredMimeType);
  const declared =
    given === '' || given === 'application/octet-stream' ? (mimeOfExtension(input.filename) ?? given) : given;
  const mimeType = sniffed ?? declared;
  const isSignatureless =
    sniffed === undefined && !['image/jpeg', 'image/png', 'application/pdf', 'video/mp4'].includes(declared);
  const kind = (Object.keys(ATTACHMENT_LIMITS) as AttachmentKind[]).find((k) =>
    ATTACHMENT_LIMITS[k].mimeTypes.includes(mimeType),
  );
  if (!kind || (sniffed === undefined && !isSignatureless)) {
    throw new UnprocessableError(
      'attachment.type_not_supported',
      `WhatsApp does not take ${mimeType || 'this type of file'}: send images (JPEG, PNG), audio (AAC, AMR, MP3, ` +
        'M4A, OGG), video (MP4, 3GP) or documents (PDF, Word, Excel, PowerPoint, text).',
    );
  }
  const { maxBytes } = ATTACHMENT_LIMITS[kind];
  if (input.sizeBytes > maxBytes) {
    throw new UnprocessableError(
      'attachment.too_large',
      `WhatsApp takes ${kind} files up to ${maxBytes / MB} MB; this one is ${(input.sizeBytes / MB).toFixed(1)} MB.`,
    );
  }
  if (input.sizeBytes === 0) throw new UnprocessableError('attachment.empty', 'The file is empty.');
  return { kind, mimeType };
}

const EXTENSIONS: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  aac: 'audio/aac',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

function mimeOfExtension(filename: string | null): string | undefined {
  const extension = filename?.split('.').pop()?.toLowerCase();
  return extension ? EXTENSIONS[extension] : undefined;
}

/** A file name safe to store and to hand to WhatsApp: no path, no control characters, bounded. */
export function cleanFilename(filename: string | undefined): string | null {
  const base = (filename ?? '').split(/[\\/]/).pop() ?? '';
  const clean = [...base]
    .filter((c) => c !== '"' && c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)
    .join('')
    .trim()
    .slice(0, 200);
  return clean === '' ? null : clean;
}
