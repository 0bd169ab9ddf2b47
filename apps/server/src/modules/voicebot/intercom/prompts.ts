/** What the bot says, in Brazilian Portuguese (the seed's language). */
export const PROMPTS = {
  greeting: 'Olá! Bem-vindo à portaria virtual.',
  askDestinationSpeech:
    'Por favor, diga o número do apartamento ou o nome do morador que deseja visitar, e o seu nome. Se preferir, digite o número do apartamento e a tecla sustenido.',
  askDestinationDtmf: 'Por favor, digite o número do apartamento e, em seguida, a tecla sustenido.',
  notUnderstood: 'Desculpe, não entendi.',
  unitNotFound: (unit: string) => `Não encontrei o apartamento ${unit}.`,
  residentNotFound: 'Não encontrei esse morador.',
  askNameSpeech: 'Qual é o seu nome?',
  askNameRecord: 'Por favor, diga o seu nome após o sinal.',
  calling: (unit: string, visitorName: string | undefined) =>
    `Obrigado${visitorName ? `, ${visitorName}` : ''}. Estou chamando o apartamento ${unit}. Por favor, aguarde.`,
  hold: 'Aguarde enquanto falo com o morador.',
  tryingNextResident: 'O morador não atendeu. Vou chamar outro morador do apartamento. Por favor, aguarde.',
  announce: (visitorName: string, unit: string, purpose: string | undefined) =>
    `Olá, aqui é a portaria virtual do apartamento ${unit}. ${visitorName} está na portaria${purpose ? `, para ${purpose}` : ''}.`,
  announceRecorded: (unit: string) =>
    `Olá, aqui é a portaria virtual do apartamento ${unit}. Há um visitante na portaria. Ele se identificou como:`,
  askDecisionDtmf: 'Pressione 1 para autorizar a entrada, 2 para negar, ou 3 para falar com o visitante.',
  askDecisionSpeech:
    'Diga sim para autorizar a entrada ou não para negar. Você também pode pressionar 1 ou 2, ou 3 para falar com o visitante.',
  residentTalk: 'Você está falando com o visitante. Pressione 1 para autorizar ou 2 para negar a qualquer momento.',
  visitorTalk: 'O morador vai falar com você.',
  talkTimeUp: 'O tempo da conversa terminou.',
  invalidOption: 'Opção inválida.',
  residentAuthorized: 'Entrada autorizada. Obrigado.',
  residentDenied: 'Entrada negada. Obrigado.',
  residentVisitorLeft: 'O visitante desligou. Obrigado.',
  residentCallEnded: 'A chamada foi encerrada. Obrigado.',
  visitorAuthorizedGate: 'O morador autorizou a sua entrada. O portão será aberto.',
  visitorAuthorized: 'O morador autorizou a sua entrada.',
  visitorDenied: 'O morador não autorizou a sua entrada no momento.',
  gateFailed: 'Não foi possível abrir o portão automaticamente. Por favor, aguarde o atendimento.',
  /** The seed's closing line, word for word (audiosocket-hangup.md). */
  closing: 'A chamada com o morador foi finalizada. Obrigado por utilizar nosso sistema.',
  testHangupOn: 'Teste de KIND_HANGUP ativado. Ao finalizar, o sistema enviará ativamente o comando de desconexão.',
  apologyNoAnswer: 'Desculpe, o morador não atendeu. Por favor, tente novamente mais tarde.',
  apologyUndecided: 'Desculpe, o morador não respondeu. Por favor, tente novamente mais tarde.',
  apologySilence: 'Desculpe, não consegui ouvir você. Por favor, ligue novamente.',
  apologyUnitNotFound: 'Desculpe, não consegui identificar o apartamento. Por favor, tente novamente.',
  apologyNoResident: (unit: string) => `Desculpe, não há moradores cadastrados no apartamento ${unit}.`,
  apologyDialFailed: 'Desculpe, não foi possível chamar o morador agora. Por favor, tente novamente mais tarde.',
  apologyError: 'Desculpe, ocorreu um erro no sistema. Por favor, tente novamente.',
} as const;

/** A short 880 Hz beep, "the signal" before the visitor says their name. */
export function beep(sampleRateHz: number): Buffer {
  const samples = Math.round(sampleRateHz * 0.25);
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i += 1) {
    const fade = Math.min(1, i / 80, (samples - i) / 80);
    pcm.writeInt16LE(Math.round(8000 * fade * Math.sin((2 * Math.PI * 880 * i) / sampleRateHz)), i * 2);
  }
  return pcm;
}
