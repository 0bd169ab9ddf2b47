/**
 * The header a template asks for at sending (ADR 24): a file (image, video, document) by a
 * public https:// link or uploaded from the agent's computer, or a place. Rules only, no React.
 */
import type { WhatsAppTemplateDto } from '@switchboard/contracts';

export type HeaderKind = 'image' | 'video' | 'document' | 'location';

export interface HeaderDraft {
  link: string;
  file: File | null;
  latitude: string;
  longitude: string;
  name: string;
  address: string;
}

export const emptyHeaderDraft: HeaderDraft = {
  link: '',
  file: null,
  latitude: '',
  longitude: '',
  name: '',
  address: '',
};

export type TemplateHeaderBody =
  | { kind: 'image' | 'video' | 'document'; link?: string; upload_id?: string }
  | { kind: 'location'; latitude: number; longitude: number; name?: string; address?: string };

const KINDS: Record<string, HeaderKind> = {
  IMAGE: 'image',
  VIDEO: 'video',
  DOCUMENT: 'document',
  LOCATION: 'location',
};

export function headerKindOf(template: Pick<WhatsAppTemplateDto, 'header_format'>): HeaderKind | undefined {
  return template.header_format ? KINDS[template.header_format] : undefined;
}

/** `-23,5613` or `-23.5613` within bounds; undefined otherwise. */
export function coordinateOf(text: string, bound: number): number | undefined {
  const value = Number(text.trim().replace(',', '.'));
  return text.trim() !== '' && Number.isFinite(value) && Math.abs(value) <= bound ? value : undefined;
}

export function isHttpsLink(text: string): boolean {
  try {
    return new URL(text.trim()).protocol === 'https:';
  } catch {
    return false;
  }
}

export function isHeaderReady(kind: HeaderKind | undefined, draft: HeaderDraft): boolean {
  if (!kind) return true;
  if (kind === 'location') {
    return coordinateOf(draft.latitude, 90) !== undefined && coordinateOf(draft.longitude, 180) !== undefined;
  }
  return draft.file !== null || isHttpsLink(draft.link);
}

/** What the API takes; the file, when there is one, uploaded first (`uploadId`). */
export function headerBodyOf(
  kind: HeaderKind | undefined,
  draft: HeaderDraft,
  uploadId: string | null,
): TemplateHeaderBody | undefined {
  if (!kind) return undefined;
  if (kind === 'location') {
    return {
      kind,
      latitude: coordinateOf(draft.latitude, 90) ?? 0,
      longitude: coordinateOf(draft.longitude, 180) ?? 0,
      ...(draft.name.trim() ? { name: draft.name.trim() } : {}),
      ...(draft.address.trim() ? { address: draft.address.trim() } : {}),
    };
  }
  return uploadId ? { kind, upload_id: uploadId } : { kind, link: draft.link.trim() };
}
