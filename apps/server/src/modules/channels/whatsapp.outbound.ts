/**
 * What the WhatsApp adapter sends for each kind of outbound content, in Meta's shapes:
 * text; media (uploaded first to `/{phone-number-id}/media`, then sent by id, with the
 * caption where the type has one and the file name for documents); templates (checked
 * against the cache again, so a template paused since the agent pressed send is refused);
 * interactive reply buttons (up to 3) and lists (up to 10 rows).
 */
import type { InteractiveOption, OutboundContent } from './channels.ports.js';
import type { TemplateSend } from './whatsapp-templates.js';

/** Meta's bounds on interactive messages (Cloud API reference, "Interactive messages"). */
export const INTERACTIVE_LIMITS = {
  buttons: 3,
  buttonTitle: 20,
  rows: 10,
  rowTitle: 24,
  rowDescription: 72,
  listButton: 20,
  body: 1024,
} as const;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The type-specific part of the send request for content that needs no upload. */
export function messagePartOf(
  content: Exclude<OutboundContent, { kind: 'media' }>,
  template?: TemplateSend,
): Record<string, unknown> {
  switch (content.kind) {
    case 'text':
      return { type: 'text', text: { preview_url: true, body: content.text } };
    case 'template':
      return {
        type: 'template',
        template: {
          name: content.name,
          language: { code: content.language.replace('-', '_') },
          ...(template && template.components.length > 0 ? { components: template.components } : {}),
        },
      };
    case 'interactive':
      return { type: 'interactive', interactive: interactiveOf(content) };
  }
}

function interactiveOf(content: Extract<OutboundContent, { kind: 'interactive' }>): Record<string, unknown> {
  const body = { text: clip(content.body, INTERACTIVE_LIMITS.body) };
  if (content.style === 'button') {
    return {
      type: 'button',
      body,
      action: {
        buttons: content.options.slice(0, INTERACTIVE_LIMITS.buttons).map((o: InteractiveOption) => ({
          type: 'reply',
          reply: { id: o.id, title: clip(o.title, INTERACTIVE_LIMITS.buttonTitle) },
        })),
      },
    };
  }
  return {
    type: 'list',
    body,
    action: {
      button: clip(content.buttonLabel ?? 'Options', INTERACTIVE_LIMITS.listButton),
      sections: [
        {
          rows: content.options.slice(0, INTERACTIVE_LIMITS.rows).map((o: InteractiveOption) => ({
            id: o.id,
            title: clip(o.title, INTERACTIVE_LIMITS.rowTitle),
            ...(o.description ? { description: clip(o.description, INTERACTIVE_LIMITS.rowDescription) } : {}),
          })),
        },
      ],
    },
  };
}

/** A file sent by its Graph media id: the caption where the type has one (not audio), the name for documents. */
export function mediaPartOf(
  content: Extract<OutboundContent, { kind: 'media' }>,
  mediaId: string,
): Record<string, unknown> {
  const part: Record<string, unknown> = { id: mediaId };
  if (content.caption && content.mediaKind !== 'audio') part.caption = content.caption;
  if (content.mediaKind === 'document' && content.filename) part.filename = content.filename;
  return { type: content.mediaKind, [content.mediaKind]: part };
}
