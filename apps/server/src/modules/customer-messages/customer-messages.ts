/**
 * What Switchboard writes to customers on its own (the video link, the queue position,
 * the menu, the rating question …): pt-BR by default, English and Spanish alternatives,
 * and each company's own wording. Variables are `{{contact.name}}`, `{{agent.name}}`,
 * `{{queue.position}}`, `{{queue.wait_minutes}}`, `{{link}}`; one without a value is left
 * out (with the space before it), never sent as braces.
 */
export type CustomerLanguage = 'pt-BR' | 'en' | 'es';

export const CUSTOMER_MESSAGE_KEYS = [
  'video_link',
  'call_notice',
  'queue_position',
  'queue_next',
  'menu',
  'menu_retry',
  'rating_question',
  'rating_thanks',
  'closing',
  'business_hours',
] as const;
export type CustomerMessageKey = (typeof CUSTOMER_MESSAGE_KEYS)[number];

export interface CustomerVariables {
  'contact.name'?: string | null;
  'agent.name'?: string | null;
  'queue.position'?: number | null;
  'queue.wait_minutes'?: number | null;
  link?: string | null;
}

export const VARIABLES_OF: Record<CustomerMessageKey, readonly (keyof CustomerVariables)[]> = {
  video_link: ['link', 'contact.name', 'agent.name'],
  call_notice: ['contact.name', 'agent.name'],
  queue_position: ['queue.position', 'queue.wait_minutes', 'contact.name'],
  queue_next: ['queue.wait_minutes', 'contact.name'],
  menu: ['contact.name'],
  menu_retry: ['contact.name'],
  rating_question: ['agent.name', 'contact.name'],
  rating_thanks: ['contact.name'],
  closing: ['contact.name', 'agent.name'],
  business_hours: ['contact.name'],
};

export const DEFAULT_TEXTS: Record<CustomerLanguage, Record<CustomerMessageKey, string>> = {
  'pt-BR': {
    video_link: 'Entre na chamada de vídeo: {{link}}',
    call_notice: '{{agent.name}} ligou para {{contact.name}}',
    queue_position:
      'Você é o {{queue.position}}º da fila. Tempo estimado de espera: cerca de {{queue.wait_minutes}} min.',
    queue_next: 'Você é o próximo da fila. Tempo estimado de espera: cerca de {{queue.wait_minutes}} min.',
    menu: 'Olá {{contact.name}}! Responda com o número da opção desejada:',
    menu_retry: 'Desculpe, não entendi.',
    rating_question: 'Como você avalia o atendimento de {{agent.name}}? Escolha uma nota de 1 a 5.',
    rating_thanks: 'Obrigado pela avaliação! Se quiser, escreva um comentário.',
    closing: 'Seu atendimento foi encerrado. Obrigado pelo contato, {{contact.name}}!',
    business_hours: 'Nosso atendimento está fechado agora. Responderemos assim que abrirmos.',
  },
  en: {
    video_link: 'Join the video call: {{link}}',
    call_notice: '{{agent.name}} called {{contact.name}}',
    queue_position: 'You are number {{queue.position}} in line. Estimated wait: about {{queue.wait_minutes}} min.',
    queue_next: 'You are next in line. Estimated wait: about {{queue.wait_minutes}} min.',
    menu: 'Hello {{contact.name}}! Reply with the number of the option you want:',
    menu_retry: 'Sorry, I did not understand.',
    rating_question: 'How would you rate the service from {{agent.name}}? Choose a score from 1 to 5.',
    rating_thanks: 'Thank you for your rating! Feel free to write a comment.',
    closing: 'Your conversation has been closed. Thank you for reaching out, {{contact.name}}!',
    business_hours: 'We are closed right now. We will answer as soon as we open.',
  },
  es: {
    video_link: 'Únase a la videollamada: {{link}}',
    call_notice: '{{agent.name}} llamó a {{contact.name}}',
    queue_position:
      'Usted es el número {{queue.position}} en la fila. Espera estimada: unos {{queue.wait_minutes}} min.',
    queue_next: 'Usted es el próximo en la fila. Espera estimada: unos {{queue.wait_minutes}} min.',
    menu: '¡Hola {{contact.name}}! Responda con el número de la opción deseada:',
    menu_retry: 'Disculpe, no entendí.',
    rating_question: '¿Cómo califica la atención de {{agent.name}}? Elija una nota del 1 al 5.',
    rating_thanks: '¡Gracias por su calificación! Si quiere, escriba un comentario.',
    closing: 'Su atención fue finalizada. ¡Gracias por contactarnos, {{contact.name}}!',
    business_hours: 'Nuestra atención está cerrada ahora. Responderemos en cuanto abramos.',
  },
};

/** The rating scale's labels, as list rows (WhatsApp: 5 options need a list, buttons stop at 3). */
export const RATING_LABELS: Record<CustomerLanguage, { button: string; scores: readonly string[] }> = {
  'pt-BR': { button: 'Avaliar', scores: ['1 - Péssimo', '2 - Ruim', '3 - Regular', '4 - Bom', '5 - Excelente'] },
  en: { button: 'Rate', scores: ['1 - Very poor', '2 - Poor', '3 - Fair', '4 - Good', '5 - Excellent'] },
  es: { button: 'Calificar', scores: ['1 - Pésimo', '2 - Malo', '3 - Regular', '4 - Bueno', '5 - Excelente'] },
};

export function languageOf(value: string | null | undefined): CustomerLanguage {
  return value === 'en' || value === 'es' ? value : 'pt-BR';
}

const VARIABLE = /[ \t]?\{\{\s*([a-z_.]+)\s*\}\}/g;

/** Fills the variables in; one without a value goes, with the space before it ("Olá {{contact.name}}!" → "Olá!"). */
export function render(template: string, variables: CustomerVariables): string {
  return template
    .replace(VARIABLE, (whole, name: string) => {
      const value = variables[name as keyof CustomerVariables];
      if (value === null || value === undefined || value === '') return '';
      return whole.replace(/\{\{.*\}\}/, String(value));
    })
    .trim();
}

/** Placeholders a text uses that its message does not offer (an admin's typo). */
export function unknownVariables(key: CustomerMessageKey, text: string): string[] {
  const known = VARIABLES_OF[key] as readonly string[];
  return [...text.matchAll(VARIABLE)].map((m) => m[1] ?? '').filter((name) => !known.includes(name));
}
