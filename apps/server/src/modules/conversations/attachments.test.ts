import { describe, expect, it } from 'vitest';
import { classifyAttachment, cleanFilename } from './attachments.js';

const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
const pdf = Buffer.from('%PDF-1.7\n');
const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom')]);

describe('attachments WhatsApp takes', () => {
  it('goes by the bytes when their signature is known', () => {
    expect(classifyAttachment({ declaredMimeType: 'image/jpeg', filename: 'a.jpg', sizeBytes: 10, head: png })).toEqual(
      { kind: 'image', mimeType: 'image/png' },
    );
    expect(classifyAttachment({ declaredMimeType: undefined, filename: null, sizeBytes: 10, head: mp4 })).toEqual({
      kind: 'video',
      mimeType: 'video/mp4',
    });
  });

  it('takes signatureless documents by their declared type or extension', () => {
    const docx = Buffer.from('PK\u0003\u0004');
    expect(
      classifyAttachment({ declaredMimeType: 'application/octet-stream', filename: 'x.docx', sizeBytes: 9, head: docx })
        .kind,
    ).toBe('document');
    expect(
      classifyAttachment({ declaredMimeType: 'text/plain', filename: null, sizeBytes: 3, head: Buffer.from('oi') }),
    ).toEqual({ kind: 'document', mimeType: 'text/plain' });
  });

  it('refuses a type WhatsApp does not take, and a lie about a checkable type', () => {
    const gif = Buffer.from('GIF89a');
    expect(() =>
      classifyAttachment({ declaredMimeType: 'image/gif', filename: null, sizeBytes: 6, head: gif }),
    ).toThrow(expect.objectContaining({ code: 'attachment.type_not_supported' }));
    const exe = Buffer.from('MZ\u0090\u0000');
    expect(() =>
      classifyAttachment({ declaredMimeType: 'application/pdf', filename: 'x.pdf', sizeBytes: 4, head: exe }),
    ).toThrow(expect.objectContaining({ code: 'attachment.type_not_supported' }));
    expect(() =>
      classifyAttachment({
        declaredMimeType: 'application/pdf',
        filename: 'x.pdf',
        sizeBytes: 4,
        head: Buffer.from('oops'),
      }),
    ).toThrow(expect.objectContaining({ code: 'attachment.type_not_supported' }));
  });

  it('refuses a file over its kind’s limit', () => {
    expect(() =>
      classifyAttachment({ declaredMimeType: 'image/png', filename: null, sizeBytes: 5 * 1024 * 1024 + 1, head: png }),
    ).toThrow(expect.objectContaining({ code: 'attachment.too_large' }));
    expect(
      classifyAttachment({ declaredMimeType: 'application/pdf', filename: null, sizeBytes: 50e6, head: pdf }).kind,
    ).toBe('document');
  });

  it('keeps only a clean base name', () => {
    expect(cleanFilename('../../etc/passwd')).toBe('passwd');
    expect(cleanFilename('C:\\x\\nota "fiscal".pdf')).toBe('nota fiscal.pdf');
    expect(cleanFilename('')).toBeNull();
  });
});
