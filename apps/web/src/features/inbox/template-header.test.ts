import { describe, expect, it } from 'vitest';
import { coordinateOf, emptyHeaderDraft, headerBodyOf, headerKindOf, isHeaderReady } from './template-header';

describe('a template’s header in the picker', () => {
  it('asks for a file, a place or nothing by the header’s format', () => {
    expect(headerKindOf({ header_format: 'IMAGE' })).toBe('image');
    expect(headerKindOf({ header_format: 'LOCATION' })).toBe('location');
    expect(headerKindOf({ header_format: 'TEXT' })).toBeUndefined();
    expect(headerKindOf({ header_format: null })).toBeUndefined();
  });

  it('takes an https link or a file, and coordinates within bounds with either decimal mark', () => {
    expect(isHeaderReady('image', emptyHeaderDraft)).toBe(false);
    expect(isHeaderReady('image', { ...emptyHeaderDraft, link: 'http://x.test/a.png' })).toBe(false);
    expect(isHeaderReady('image', { ...emptyHeaderDraft, link: 'https://x.test/a.png' })).toBe(true);
    expect(isHeaderReady('document', { ...emptyHeaderDraft, file: new File(['%PDF'], 'a.pdf') })).toBe(true);
    expect(coordinateOf('-23,5613', 90)).toBe(-23.5613);
    expect(coordinateOf('95', 90)).toBeUndefined();
    expect(isHeaderReady('location', { ...emptyHeaderDraft, latitude: '-23.56', longitude: '' })).toBe(false);
    expect(isHeaderReady(undefined, emptyHeaderDraft)).toBe(true);
  });

  it('builds what the API takes', () => {
    const place = { ...emptyHeaderDraft, latitude: '-23,5613', longitude: '-46.6565', name: ' Loja ' };
    expect(headerBodyOf('location', place, null)).toEqual({
      kind: 'location',
      latitude: -23.5613,
      longitude: -46.6565,
      name: 'Loja',
    });
    expect(headerBodyOf('image', { ...emptyHeaderDraft, link: 'https://x.test/a.png' }, null)).toEqual({
      kind: 'image',
      link: 'https://x.test/a.png',
    });
    expect(headerBodyOf('document', emptyHeaderDraft, 'u-1')).toEqual({ kind: 'document', upload_id: 'u-1' });
    expect(headerBodyOf(undefined, emptyHeaderDraft, null)).toBeUndefined();
  });
});
