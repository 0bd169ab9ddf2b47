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

/** A header that carries a file (image, video, document) or a location needs a parameter we do not send yet. */
export function unsupportedHeaderOf(components: Record<string, unknown>[]): string | undefined {
  const header = components.find((c) => typeOf(c) === 'HEADER');
  const format = upper(header?.format, 'TEXT');
  return header && format !== 'TEXT' ? format : undefined;
}

/**
 * Checks the agent's values against the template and builds what is sent. An array gives
 * the body's positional values in order. Throws 422 `template.*` with every bad field.
 */
export function prepareTemplateSend(
  template: CachedTemplate,
  given: string[] | Record<string, string> | undefined,
): TemplateSend {
  if (template.status.toUpperCase() !== 'APPROVED') {
    throw new UnprocessableError(
      'template.not_approved',
      `The template ${template.name} (${template.language}) is ${template.status}; only approved templates are sent.`,
    );
  }
  const header = unsupportedHeaderOf(template.components);
  if (header) {
    throw new UnprocessableError(
      'template.header_not_supported',
      `The template's header is a ${header.toLowerCase()}; only templates with a text header or none can be sent.`,
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
  if (issues.length > 0) {
    throw new UnprocessableError('template.invalid_variables', 'The variables do not fit the template.', issues);
  }
  const isNamed = template.parameterFormat === 'NAMED';
  const parameter = (variable: TemplateVariable) => ({
    type: 'text',
    ...(isNamed && variable.component !== 'button' ? { parameter_name: variable.placeholder } : {}),
    text: values[variable.key] ?? '',
  });
  const components: Record<string, unknown>[] = [];
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
