/** What the routing bot writes to customers, in the company's language (pt-BR by default). */

export type Language = 'pt-BR' | 'en';

export function languageOf(value: string | null | undefined): Language {
  return value === 'en' ? 'en' : 'pt-BR';
}

export interface MenuOption {
  key: string;
  label: string;
}

export function menuText(language: Language, prompt: string | null, options: readonly MenuOption[]): string {
  return `${prompt ?? menuIntro(language)}\n${menuLines(options)}`;
}

export function menuIntro(language: Language): string {
  return language === 'en'
    ? 'Hello! Reply with the number of the option you want:'
    : 'Olá! Responda com o número da opção desejada:';
}

export function menuLines(options: readonly MenuOption[]): string {
  return options.map((o) => `${o.key} - ${o.label}`).join('\n');
}

/** WhatsApp's interactive limits: 3 reply buttons of 20 characters; a list of 10 rows of 24. */
const MAX_BUTTONS = 3;
const MAX_BUTTON_TITLE = 20;
const MAX_ROWS = 10;
const MAX_ROW_TITLE = 24;

export interface InteractiveMenu {
  style: 'button' | 'list';
  buttonLabel: string | null;
  options: { id: string; title: string; description: string | null }[];
}

/**
 * The menu as WhatsApp buttons (up to 3 short options) or a list (up to 10), answered by
 * a tap whose id names the option (`menu:<key>`); null when it fits neither (text only).
 */
export function interactiveMenuOf(options: readonly MenuOption[]): InteractiveMenu | null {
  const fits = (max: number) => options.every((o) => o.label.length <= max);
  const rows = options.map((o) => ({ id: `menu:${o.key}`, title: o.label, description: null }));
  if (options.length > 0 && options.length <= MAX_BUTTONS && fits(MAX_BUTTON_TITLE)) {
    return { style: 'button', buttonLabel: null, options: rows };
  }
  if (options.length > 0 && options.length <= MAX_ROWS && fits(MAX_ROW_TITLE)) {
    return { style: 'list', buttonLabel: 'Menu', options: rows };
  }
  return null;
}

/** The option key a tap on an interactive menu carries (`menu:<key>`). */
export function menuKeyOfReply(replyId: string | null | undefined): string | undefined {
  return replyId?.startsWith('menu:') ? replyId.slice('menu:'.length) : undefined;
}

export function menuRetryText(language: Language, prompt: string | null, options: readonly MenuOption[]): string {
  const sorry = language === 'en' ? 'Sorry, I did not understand.' : 'Desculpe, não entendi.';
  return `${sorry} ${menuText(language, prompt, options)}`;
}

export function positionText(language: Language, position: number, waitSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(waitSeconds / 60));
  if (language === 'en') {
    return position === 1
      ? `You are next in line. Estimated wait: about ${minutes} min.`
      : `You are number ${position} in line. Estimated wait: about ${minutes} min.`;
  }
  return position === 1
    ? `Você é o próximo da fila. Tempo estimado de espera: cerca de ${minutes} min.`
    : `Você é o ${position}º da fila. Tempo estimado de espera: cerca de ${minutes} min.`;
}

export function closedText(language: Language): string {
  return language === 'en'
    ? 'We are closed right now. We will answer as soon as we open.'
    : 'Nosso atendimento está fechado agora. Responderemos assim que abrirmos.';
}

/** The customer's answer to a menu: the option whose key they typed (a bare digit, maybe with spaces). */
export function chosenOption<T extends MenuOption>(options: readonly T[], text: string | null): T | undefined {
  const answer = text?.trim().replace(/[.)\s]+$/, '');
  return options.find((o) => o.key === answer);
}
