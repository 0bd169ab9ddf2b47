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
  const lines = options.map((o) => `${o.key} - ${o.label}`).join('\n');
  if (prompt) return `${prompt}\n${lines}`;
  return language === 'en'
    ? `Hello! Reply with the number of the option you want:\n${lines}`
    : `Olá! Responda com o número da opção desejada:\n${lines}`;
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
