/**
 * Voice queues, pure: what a caller hears (pt-BR by default, as customers are spoken to),
 * how a DTMF menu is answered, how the Stasis arguments of queue calls read and when a
 * waiting caller hears their position again.
 */

/** Stasis arguments of the legs this module places or takes. */
export const ARG_DID = 'did';
export const ARG_QUEUE_AGENT = 'queue-agent';
export const ARG_QUEUE_ASSIGNED = 'queue-assigned';

/** A waiting caller hears their position at most this often (and once on joining). */
export const ANNOUNCE_INTERVAL_MS = 30_000;
/** Wrong or missing answers to a DTMF menu before the caller goes to the default queue. */
export const MAX_MENU_ATTEMPTS = 3;
/** Seconds the caller has to press a key once the menu prompt has played. */
export const MENU_ANSWER_SECONDS = 6;
/** Handle time assumed for an estimate before a queue has history. */
export const DEFAULT_HANDLE_SECONDS = 180;
export const VOICEMAIL_MAX_SECONDS = 120;
export const VOICEMAIL_MAX_SILENCE_SECONDS = 10;

export type Language = 'pt-BR' | 'en';

export function languageOf(value: string | null | undefined): Language {
  return value === 'en' ? 'en' : 'pt-BR';
}

export interface VoiceMenuOption {
  key: string;
  label: string;
  queue_id: string;
}

export interface VoiceMenu {
  prompt?: string | null | undefined;
  options: VoiceMenuOption[];
}

/** A DID as the kit's dialplan hands it over: digits only (a leading '+' is dropped). */
export function normalizeDid(raw: string): string | undefined {
  const digits = raw.trim().replace(/^\+/, '');
  return /^[0-9]{3,20}$/.test(digits) ? digits : undefined;
}

export function menuPromptText(language: Language, menu: VoiceMenu): string {
  if (menu.prompt) return menu.prompt;
  const options = menu.options.map((o) =>
    language === 'en'
      ? `For ${o.label}, press ${spokenKey(language, o.key)}.`
      : `Para ${o.label}, tecle ${spokenKey(language, o.key)}.`,
  );
  const hello = language === 'en' ? 'Hello, thank you for calling.' : 'Olá, obrigado por ligar.';
  return [hello, ...options].join(' ');
}

export function menuRetryText(language: Language, menu: VoiceMenu): string {
  const sorry = language === 'en' ? 'Invalid option.' : 'Opção inválida.';
  return `${sorry} ${menuPromptText(language, menu)}`;
}

function spokenKey(language: Language, key: string): string {
  if (key === '*') return language === 'en' ? 'star' : 'asterisco';
  if (key === '#') return language === 'en' ? 'pound' : 'sustenido';
  return key;
}

export function positionSpeech(language: Language, position: number, waitSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(waitSeconds / 60));
  if (language === 'en') {
    const place = position === 1 ? 'You are next in line.' : `You are number ${position} in line.`;
    return `${place} Estimated wait: about ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
  }
  const place = position === 1 ? 'Você é o próximo da fila.' : `Você é o ${position}º da fila.`;
  return `${place} Tempo estimado de espera: cerca de ${minutes} ${minutes === 1 ? 'minuto' : 'minutos'}.`;
}

export function voicemailGreeting(language: Language): string {
  return language === 'en'
    ? 'All our agents are busy. Please leave your message after the tone. Press pound or hang up when you are done.'
    : 'Todos os nossos atendentes estão ocupados. Deixe sua mensagem após o sinal. Ao terminar, tecle sustenido ou desligue.';
}

export function closedSpeech(language: Language, text: string | null): string {
  if (text) return text;
  return language === 'en'
    ? 'We are closed right now. Please call again during business hours.'
    : 'Nosso atendimento está fechado agora. Por favor, ligue novamente em nosso horário de atendimento.';
}

export function callbackOfferSpeech(language: Language): string {
  return language === 'en'
    ? 'To keep your place and be called back, press 1 and hang up. Or stay on the line.'
    : 'Para manter sua vez e receber nossa ligação de volta, tecle 1 e desligue. Ou continue aguardando.';
}

export function callbackConfirmedSpeech(language: Language): string {
  return language === 'en'
    ? 'Done. We will call you back at this number when it is your turn. Goodbye.'
    : 'Pronto. Ligaremos de volta para este número quando chegar a sua vez. Até logo.';
}

export function thanksSpeech(language: Language): string {
  return language === 'en'
    ? 'Thank you. Your message was recorded. Goodbye.'
    : 'Obrigado. Sua mensagem foi gravada. Até logo.';
}

/** Whether a waiting caller hears their position now: once on joining, then never twice within the interval. */
export function isAnnouncementDue(lastAnnouncedAt: Date | null, now: Date): boolean {
  return lastAnnouncedAt === null || now.getTime() - lastAnnouncedAt.getTime() >= ANNOUNCE_INTERVAL_MS;
}

/** Abandons shorter than this are counted apart (`abandoned_short`), as the industry does. */
export function abandonReason(waitSeconds: number, shortAbandonSeconds: number): 'abandoned_short' | 'caller_hangup' {
  return waitSeconds < shortAbandonSeconds ? 'abandoned_short' : 'caller_hangup';
}
