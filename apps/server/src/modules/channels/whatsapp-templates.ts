/**
 * WhatsApp message templates as rules, no I/O: the variables a template's components ask
 * for (Meta's `{{1}}` positional or `{{first_name}}` named placeholders in the header, the
 * body and URL buttons), checking the values an agent gives, and the `components` of the
 * send request (`type: template`). Shapes from Meta's Cloud API reference: template
 * `components` (HEADER/BODY/FOOTER/BUTTONS) and the message's `template.components`
 * (`header`/`body`/`button` with `parameters`).
 */
import { UnprocessableError, type FieldIssue } from '../../shared/errors.js';

export type ParameterFormat = 'POSITIONAL' | 'NAMED';

export interface TemplateVariable {
  /** `1` / `first_name` (body), `header.1`, `button.0.1`. */
  key: string;
  component: 'header' | 'body' | 'button';
  /** The placeholder's name inside its component (`1`, `first_name`). */
  placeholder: string;
  /** The button's index, for URL buttons. */
  buttonIndex?: number;
  example: string | null;
}

export interface CachedTemplate {
  name: string;
  language: string;
  status: string;
  parameterFormat: ParameterFormat;
  components: Record<string, unknown>[];
}

/**
 * What fills a media or location header when the template is sent (Meta's header
 * parameters): a file by its public `link` or the Graph `mediaId` it was uploaded as, or a
 * place. The place is given at sending; Meta keeps none with the template.
 */
export type TemplateHeader =
  | {
      kind: 'image' | 'video' | 'document';
      link: string | null;
      mediaId: string | null;
      filename: string | null;
    }
  | { kind: 'location'; latitude: number; longitude: number; name: string | null; address: string | null };

export type TemplateHeaderKind = TemplateHeader['kind'];

const HEADER_KINDS: Readonly<Record<string, TemplateHeaderKind>> = {
  IMAGE: 'image',
  VIDEO: 'video',
  DOCUMENT: 'document',
  LOCATION: 'location',
};

/** The components to send and the text we keep of it (header, body and footer filled in). */
export interface TemplateSend {
  components: Record<string, unknown>[];
  renderedText: string;
  variables: Record<string, string>;
}

/** Meta's limits on a parameter's value: 1,024 characters; no newline, tab, or more than four spaces in a row. */
const MAX_PARAMETER_LENGTH = 1024;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

function placeholdersOf(text: unknown): string[] {
  if (typeof text !== 'string') return [];
  const found: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1];
    if (name !== undefined && !found.includes(name)) found.push(name);
  }
  return found;
}

function upper(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value.toUpperCase() : fallback;
}

function typeOf(component: Record<string, unknown>): string {
  return typeof component.type === 'string' ? component.type.toUpperCase() : '';
}

/** Examples Meta keeps with the template, by placeholder. */
function examplesOf(component: Record<string, unknown>, kind: 'header' | 'body'): Map<string, string> {
  const examples = new Map<string, string>();
  const example = (component.example ?? {}) as Record<string, unknown>;
  const positional = kind === 'body' ? (example.body_text as unknown[] | undefined)?.[0] : example.header_text;
  if (Array.isArray(positional)) {
    positional.forEach((value, i) => {
      if (typeof value === 'string') examples.set(String(i + 1), value);
    });
  }
  const named = example[kind === 'body' ? 'body_text_named_params' : 'header_text_named_params'];
  if (Array.isArray(named)) {
    for (const item of named as { param_name?: unknown; example?: unknown }[]) {
      if (typeof item.param_name === 'string' && typeof item.example === 'string') {
        examples.set(item.param_name, item.example);
      }
    }
  }
  return examples;
}

export function bodyTextOf(components: Record<string, unknown>[]): string | null {
  const body = components.find((c) => typeOf(c) === 'BODY');
  return typeof body?.text === 'string' ? body.text : null;
}

/** Every variable the template needs, in the order the customer reads them. */
export function variablesOf(components: Record<string, unknown>[]): TemplateVariable[] {
  const variables: TemplateVariable[] = [];
  for (const component of components) {
    const type = typeOf(component);
    if (type === 'HEADER' && upper(component.format, 'TEXT') === 'TEXT') {
      const examples = examplesOf(component, 'header');
      for (const p of placeholdersOf(component.text)) {
        variables.push({ key: `header.${p}`, component: 'header', placeholder: p, example: examples.get(p) ?? null });
      }
    } else if (type === 'BODY') {
      const examples = examplesOf(component, 'body');
      for (const p of placeholdersOf(component.text)) {
        variables.push({ key: p, component: 'body', placeholder: p, example: examples.get(p) ?? null });
      }
    } else if (type === 'BUTTONS' && Array.isArray(component.buttons)) {
      (component.buttons as Record<string, unknown>[]).forEach((button, index) => {
        if (upper(button.type, '') !== 'URL') return;
        const example =
          Array.isArray(button.example) && typeof button.example[0] === 'string' ? button.example[0] : null;
        for (const p of placeholdersOf(button.url)) {
          variables.push({
            key: `button.${index}.${p}`,
            component: 'button',
            placeholder: p,
            buttonIndex: index,
            example,
          });
        }
      });
    }
  }
  return variables;
}

/** The header's format when it is neither text nor one we fill in (a GIF, a product): not sent. */
export function unsupportedHeaderOf(components: Record<string, unknown>[]): string | undefined {
  const header = components.find((c) => typeOf(c) === 'HEADER');
  const format = upper(header?.format, 'TEXT');
  return header && format !== 'TEXT' && !(format in HEADER_KINDS) ? format : undefined;
}

/** The header's format as the console shows it: TEXT, a file kind, LOCATION, OTHER; null without a header. */
export function headerFormatOf(
  components: Record<string, unknown>[],
): 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION' | 'OTHER' | null {
  const header = components.find((c) => typeOf(c) === 'HEADER');
  if (!header) return null;
  const format = upper(header.format, 'TEXT');
  if (format === 'TEXT' || format in HEADER_KINDS)
    return format as 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION';
  return 'OTHER';
}

/** What the template's header needs at sending: a file of a kind, a place, or nothing. */
export function headerKindOf(components: Record<string, unknown>[]): TemplateHeaderKind | undefined {
  const header = components.find((c) => typeOf(c) === 'HEADER');
  return header ? HEADER_KINDS[upper(header.format, 'TEXT')] : undefined;
}

const MAX_PLACE_TEXT = 1000;

/** The header parameter checked against what the template's header takes. */
function headerIssues(kind: TemplateHeaderKind | undefined, header: TemplateHeader | undefined): FieldIssue[] {
  const field = 'body.template.header';
  if (!kind) return header ? [{ field, message: 'the template has no media or location header' }] : [];
  if (!header) return [{ field, message: `the template's header needs a ${kind}` }];
  if (header.kind !== kind) return [{ field: `${field}.kind`, message: `must be ${kind}` }];
  if (header.kind === 'location') {
    const issues: FieldIssue[] = [];
    if (!(Math.abs(header.latitude) <= 90)) issues.push({ field: `${field}.latitude`, message: 'between -90 and 90' });
    if (!(Math.abs(header.longitude) <= 180)) {
      issues.push({ field: `${field}.longitude`, message: 'between -180 and 180' });
    }
    for (const key of ['name', 'address'] as const) {
      if ((header[key]?.length ?? 0) > MAX_PLACE_TEXT) issues.push({ field: `${field}.${key}`, message: 'too long' });
    }
    return issues;
  }
  if (!header.link && !header.mediaId) return [{ field, message: 'a link or an uploaded file is required' }];
  if (header.link && !/^https:\/\/[^\s]+$/i.test(header.link)) {
    return [{ field: `${field}.link`, message: 'must be an https:// address' }];
  }
  return [];
}

/** Meta's header parameter: a file by link or id (documents keep their name), or a place. */
function headerParameterOf(header: TemplateHeader): Record<string, unknown> {
  if (header.kind === 'location') {
    return {
      type: 'location',
      location: {
        latitude: String(header.latitude),
        longitude: String(header.longitude),
        ...(header.name ? { name: header.name } : {}),
        ...(header.address ? { address: header.address } : {}),
      },
    };
  }
  const file: Record<string, unknown> = header.mediaId ? { id: header.mediaId } : { link: header.link };
  if (header.kind === 'document' && header.filename) file.filename = header.filename;
  return { type: header.kind, [header.kind]: file };
}

/**
 * Checks the agent's values against the template and builds what is sent. An array gives
 * the body's positional values in order. Throws 422 `template.*` with every bad field.
 */
export function prepareTemplateSend(
  template: CachedTemplate,
  given: string[] | Record<string, string> | undefined,
  header?: TemplateHeader,
): TemplateSend {
  if (template.status.toUpperCase() !== 'APPROVED') {
    throw new UnprocessableError(
      'template.not_approved',
      `The template ${template.name} (${template.language}) is ${template.status}; only approved templates are sent.`,
    );
  }
  const unsupported = unsupportedHeaderOf(template.components);
  if (unsupported) {
    throw new UnprocessableError(
      'template.header_not_supported',
      `The template's header is a ${unsupported.toLowerCase()}; it cannot be sent from Switchboard.`,
    );
  }
  const expected = variablesOf(template.components);
  const values: Record<string, string> = Array.isArray(given)
    ? Object.fromEntries(
        given.map((value, i) => [expected.filter((v) => v.component === 'body')[i]?.key ?? `#${i + 1}`, value]),
      )
    : { ...(given ?? {}) };
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(values)) {
    if (!expected.some((v) => v.key === key)) {
      issues.push({ field: `body.template.variables.${key}`, message: 'the template has no such variable' });
    }
  }
  for (const variable of expected) {
    const value = values[variable.key];
    const field = `body.template.variables.${variable.key}`;
    if (value === undefined || value.trim() === '') issues.push({ field, message: 'is required' });
    else if (value.length > MAX_PARAMETER_LENGTH) issues.push({ field, message: 'is over 1024 characters' });
    else if (/[\n\t]| {5,}/.test(value)) {
      issues.push({ field, message: 'may not hold a new line, a tab or more than four spaces in a row' });
    }
  }
  const headerKind = headerKindOf(template.components);
  const badHeader = headerIssues(headerKind, header);
  if (issues.length > 0) {
    throw new UnprocessableError('template.invalid_variables', 'The variables do not fit the template.', [
      ...issues,
      ...badHeader,
    ]);
  }
  if (badHeader.length > 0) {
    throw new UnprocessableError('template.invalid_header', 'The header does not fit the template.', badHeader);
  }
  const isNamed = template.parameterFormat === 'NAMED';
  const parameter = (variable: TemplateVariable) => ({
    type: 'text',
    ...(isNamed && variable.component !== 'button' ? { parameter_name: variable.placeholder } : {}),
    text: values[variable.key] ?? '',
  });
  const components: Record<string, unknown>[] = [];
  if (headerKind && header) components.push({ type: 'header', parameters: [headerParameterOf(header)] });
  for (const part of ['header', 'body'] as const) {
    const own = expected.filter((v) => v.component === part);
    if (own.length > 0) components.push({ type: part, parameters: own.map(parameter) });
  }
  for (const variable of expected.filter((v) => v.component === 'button')) {
    components.push({
      type: 'button',
      sub_type: 'url',
      index: String(variable.buttonIndex ?? 0),
      parameters: [{ type: 'text', text: values[variable.key] ?? '' }],
    });
  }
  return { components, renderedText: renderText(template.components, values), variables: values };
}

/** Header, body and footer with the values in, as the customer reads them. */
export function renderText(components: Record<string, unknown>[], values: Record<string, string>): string {
  const parts: string[] = [];
  for (const component of components) {
    const type = typeOf(component);
    if ((type !== 'HEADER' && type !== 'BODY' && type !== 'FOOTER') || typeof component.text !== 'string') continue;
    const prefix = type === 'HEADER' ? 'header.' : '';
    parts.push(component.text.replace(PLACEHOLDER, (whole, name: string) => values[`${prefix}${name}`] ?? whole));
  }
  return parts.join('\n\n');
}
