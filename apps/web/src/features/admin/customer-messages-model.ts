/**
 * The console's side of the customer texts (server: modules/customer-messages): the
 * preview renders a text the way the server will, with sample values, and variables are
 * inserted where the caret is.
 */
import type { CustomerMessagesDto } from '@switchboard/contracts';

export type CustomerMessageItem = CustomerMessagesDto['messages'][number];
export type SampleValues = Record<string, string | number>;

// The server's rule (customer-messages.ts `render`): a variable without a value goes with the space before it.
const VARIABLE = /[ \t]?\{\{\s*([a-z_.]+)\s*\}\}/g;

export function renderPreview(template: string, values: SampleValues): string {
  return template
    .replace(VARIABLE, (whole, name: string) => {
      const value = values[name];
      if (value === undefined || value === '') return '';
      return whole.replace(/\{\{.*\}\}/, String(value));
    })
    .trim();
}

/** `{{contact.name}}` → `contact.name`. */
export function variableName(placeholder: string): string {
  return placeholder.replace(/^\{\{\s*|\s*\}\}$/g, '');
}

/** The text with `insert` in place of the selection [start, end); the caret lands after it. */
export function insertAt(text: string, insert: string, start: number, end: number): { text: string; caret: number } {
  const from = Math.max(0, Math.min(start, text.length));
  const to = Math.max(from, Math.min(end, text.length));
  return { text: text.slice(0, from) + insert + text.slice(to), caret: from + insert.length };
}

/** Placeholders the text uses that its message does not offer (the server refuses them). */
export function unknownPlaceholders(text: string, offered: readonly string[]): string[] {
  const names = offered.map(variableName);
  return [...text.matchAll(VARIABLE)].map((match) => match[1] ?? '').filter((name) => !names.includes(name));
}
