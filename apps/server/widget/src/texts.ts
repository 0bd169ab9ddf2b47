/** What the widget says, in the page's language (its `lang`, else the browser's): pt-BR by default. */
export type Language = 'pt-BR' | 'en' | 'es';

const TEXTS = {
  'pt-BR': {
    open: 'Abrir o chat',
    close: 'Fechar',
    placeholder: 'Escreva sua mensagem…',
    send: 'Enviar',
    attach: 'Anexar imagem ou PDF',
    start: 'Iniciar conversa',
    name: 'Nome',
    email: 'E-mail',
    phone: 'Telefone',
    typing: 'digitando…',
    position: (n: number) => (n === 1 ? 'Você é o próximo da fila.' : `Sua posição na fila: ${n}.`),
    agent: (name: string) => `${name} está atendendo você.`,
    rate: 'Como foi o atendimento?',
    thanks: 'Obrigado pela avaliação!',
    offline: 'Estamos fora do horário de atendimento. Deixe uma mensagem e responderemos em breve.',
    leave: 'Deixar mensagem',
    sent: 'Mensagem enviada.',
    failed: 'Não foi possível enviar. Tente de novo.',
    read: 'Lida',
  },
  en: {
    open: 'Open chat',
    close: 'Close',
    placeholder: 'Type your message…',
    send: 'Send',
    attach: 'Attach a picture or PDF',
    start: 'Start chat',
    name: 'Name',
    email: 'E-mail',
    phone: 'Phone',
    typing: 'typing…',
    position: (n: number) => (n === 1 ? 'You are next in line.' : `Your place in line: ${n}.`),
    agent: (name: string) => `${name} is helping you.`,
    rate: 'How did we do?',
    thanks: 'Thank you for your rating!',
    offline: 'We are closed right now. Leave a message and we will get back to you.',
    leave: 'Leave a message',
    sent: 'Message sent.',
    failed: 'Could not send. Try again.',
    read: 'Read',
  },
  es: {
    open: 'Abrir el chat',
    close: 'Cerrar',
    placeholder: 'Escribe tu mensaje…',
    send: 'Enviar',
    attach: 'Adjuntar imagen o PDF',
    start: 'Iniciar conversación',
    name: 'Nombre',
    email: 'Correo electrónico',
    phone: 'Teléfono',
    typing: 'escribiendo…',
    position: (n: number) => (n === 1 ? 'Eres el próximo en la fila.' : `Tu posición en la fila: ${n}.`),
    agent: (name: string) => `${name} te está atendiendo.`,
    rate: '¿Cómo fue la atención?',
    thanks: '¡Gracias por tu evaluación!',
    offline: 'Estamos fuera del horario de atención. Deja un mensaje y te responderemos pronto.',
    leave: 'Dejar mensaje',
    sent: 'Mensaje enviado.',
    failed: 'No se pudo enviar. Inténtalo de nuevo.',
    read: 'Leído',
  },
} as const;

export type Texts = (typeof TEXTS)[Language];

export function languageOf(pageLang: string | null | undefined, browser: readonly string[]): Language {
  for (const tag of [pageLang ?? '', ...browser]) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('pt')) return 'pt-BR';
    if (lower.startsWith('es')) return 'es';
    if (lower.startsWith('en')) return 'en';
  }
  return 'pt-BR';
}

export function textsOf(language: Language): Texts {
  return TEXTS[language];
}
