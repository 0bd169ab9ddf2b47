/**
 * The rule-based understanding the bot uses when no language model is configured (and as
 * the model's fallback): unit numbers (digits or Portuguese/English number words),
 * residents' names from the company's directory, the visitor's own name, a purpose, and
 * yes/no in Portuguese and English. Pure functions over text.
 */
export interface DirectoryEntry {
  residentId: string;
  name: string;
  unitId: string;
  unitNumber: string;
  priority: number;
}

export type Decision = 'authorize' | 'deny';

/** Lower case, no accents, punctuation as spaces, single spaces. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const DIGIT_WORDS: Record<string, number> = {
  zero: 0,
  um: 1,
  uma: 1,
  dois: 2,
  duas: 2,
  tres: 3,
  quatro: 4,
  cinco: 5,
  seis: 6,
  meia: 6,
  sete: 7,
  oito: 8,
  nove: 9,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  oh: 0,
};

const COMPOUND_WORDS: Record<string, number> = {
  dez: 10,
  onze: 11,
  doze: 12,
  treze: 13,
  quatorze: 14,
  catorze: 14,
  quinze: 15,
  dezesseis: 16,
  dezessete: 17,
  dezoito: 18,
  dezenove: 19,
  vinte: 20,
  trinta: 30,
  quarenta: 40,
  cinquenta: 50,
  sessenta: 60,
  setenta: 70,
  oitenta: 80,
  noventa: 90,
  cem: 100,
  cento: 100,
  duzentos: 200,
  trezentos: 300,
  quatrocentos: 400,
  quinhentos: 500,
  seiscentos: 600,
  setecentos: 700,
  oitocentos: 800,
  novecentos: 900,
  mil: 1000,
};

function isNumberWord(token: string): boolean {
  return token in DIGIT_WORDS || token in COMPOUND_WORDS;
}

function runValue(run: string[]): string {
  const words = run.filter((token) => token !== 'e');
  // "um zero um": digits said one by one.
  if (words.length > 1 && words.every((token) => token in DIGIT_WORDS && !(token in COMPOUND_WORDS))) {
    return words.map((token) => String(DIGIT_WORDS[token])).join('');
  }
  let total = 0;
  let current = 0;
  for (const token of words) {
    if (token === 'mil') {
      total += (current || 1) * 1000;
      current = 0;
    } else {
      current += DIGIT_WORDS[token] ?? COMPOUND_WORDS[token] ?? 0;
    }
  }
  return String(total + current);
}

/** `apartamento cento e um` → `apartamento 101`; `um zero dois` → `102`. */
export function numberWordsToDigits(normalized: string): string {
  const tokens = normalized.split(' ').filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < tokens.length;) {
    if (!isNumberWord(tokens[i] as string)) {
      out.push(tokens[i] as string);
      i += 1;
      continue;
    }
    const run: string[] = [];
    while (i < tokens.length) {
      const token = tokens[i] as string;
      const next = tokens[i + 1];
      if (isNumberWord(token)) run.push(token);
      else if (token === 'e' && next !== undefined && isNumberWord(next) && run.length > 0) run.push(token);
      else break;
      i += 1;
    }
    out.push(runValue(run));
  }
  return out.join(' ');
}

const UNIT_KEYWORDS =
  /\b(?:apartamento|apto|ap|unidade|casa|sala|numero|n|apartment|unit|flat)\s+(\d{1,5}(?:\s?[a-z])?)\b/;

/** The unit number a visitor said, upper case without spaces (`101`, `12B`). */
export function parseUnitNumber(text: string): string | undefined {
  const normalized = numberWordsToDigits(normalizeText(text));
  const keyword = UNIT_KEYWORDS.exec(normalized);
  const match = keyword?.[1] ?? /\b(\d{1,5}[a-z]?)\b/.exec(normalized)?.[1];
  return match?.replace(/\s+/g, '').toUpperCase();
}

const compact = (value: string) => normalizeText(value).replace(/ /g, '');

/** Units whose number is the one said: `101` is unit `101`, `3` with "casa" is `CASA 3`. */
export function findUnitByNumber<U extends { number: string }>(units: U[], said: string, text = ''): U | undefined {
  const wanted = compact(said);
  const exact = units.find((unit) => compact(unit.number) === wanted);
  if (exact) return exact;
  const words = normalizeText(text);
  return units.find((unit) => {
    const number = normalizeText(unit.number);
    return compact(number).endsWith(wanted) && words.includes(number);
  });
}

const NAME_STOPWORDS = new Set(['da', 'de', 'do', 'das', 'dos', 'e', 'a', 'o', 'the']);

/**
 * The resident named in the text: most name words matched wins; a tie between units is
 * no answer (the bot asks for the unit instead).
 */
export function matchResident(text: string, residents: DirectoryEntry[]): DirectoryEntry | undefined {
  const words = new Set(normalizeText(text).split(' '));
  let best: DirectoryEntry[] = [];
  let bestScore = 0;
  for (const resident of residents) {
    const parts = normalizeText(resident.name)
      .split(' ')
      .filter((part) => part.length >= 3 && !NAME_STOPWORDS.has(part));
    const score = parts.filter((part) => words.has(part)).length;
    if (score === 0) continue;
    if (score > bestScore) {
      best = [resident];
      bestScore = score;
    } else if (score === bestScore) {
      best.push(resident);
    }
  }
  if (best.length === 0) return undefined;
  const units = new Set(best.map((resident) => resident.unitId));
  if (units.size > 1) return undefined;
  return [...best].sort((a, b) => a.priority - b.priority)[0];
}

const NAME_INTRO =
  /(?:meu nome (?:é|e)|me chamo|aqui (?:quem fala )?(?:é|e)|(?:eu )?sou|my name is|this is|i am|i'm)(?:\s+(?:o|a)(?=\s))?\s+([\p{L}'’-]+(?:\s+[\p{L}'’-]+){0,3})/iu;
const NAME_END = new Set([
  'e',
  'para',
  'pra',
  'quero',
  'queria',
  'vim',
  'venho',
  'estou',
  'to',
  'falar',
  'com',
  'do',
  'no',
  'na',
  'and',
  'from',
  'to',
  'for',
  'here',
  'aqui',
  'apartamento',
  'entregador',
  'entrega',
]);
const FILLERS = /^(?:(?:oi|ola|alo|bom dia|boa tarde|boa noite|e|eh|hum|entao|sim|pois nao|hello|hi)\s+)+/;

function cleanName(words: string[]): string | undefined {
  const kept: string[] = [];
  for (const word of words) {
    if (NAME_END.has(normalizeText(word))) break;
    if (/\d/.test(word)) break;
    kept.push(word);
    if (kept.length === 3) break;
  }
  if (kept.length === 0) return undefined;
  return kept.map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase()).join(' ');
}

/**
 * The visitor's name: after "meu nome é", "sou o", "my name is" …; when the question was
 * "what is your name?" (`isNameAnswer`), the answer itself, fillers removed.
 */
export function parseVisitorName(text: string, isNameAnswer: boolean): string | undefined {
  const intro = NAME_INTRO.exec(text);
  if (intro?.[1]) {
    const name = cleanName(intro[1].split(/\s+/));
    if (name) return name;
  }
  if (!isNameAnswer) return undefined;
  const plain = text
    .replace(/[^\p{L}\s'’-]+/gu, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const withoutFillers = normalizeText(plain.join(' ')).replace(FILLERS, '');
  const skip = plain.length - withoutFillers.split(' ').filter(Boolean).length;
  return cleanName(plain.slice(Math.max(0, skip)));
}

const PURPOSES: [RegExp, string][] = [
  [/\b(?:entrega|encomenda|pacote|delivery|ifood|correios|package)\b/, 'entrega'],
  [/\b(?:manutencao|conserto|tecnico|reparo|instalacao|repair)\b/, 'manutenção'],
  [/\b(?:visita|visitar|visit)\b/, 'visita'],
];

export function parsePurpose(text: string): string | undefined {
  const normalized = normalizeText(text);
  for (const [pattern, purpose] of PURPOSES) if (pattern.test(normalized)) return purpose;
  const stated = /\b(?:vim|venho|estou aqui|to aqui)\s+(?:para|pra)\s+(.{3,60}?)(?:[.,!?]|$)/iu.exec(text);
  return stated?.[1]?.trim();
}

/** Positive answers that contain a negative word. */
const NEGATED_NEGATIVES = /\b(?:nao tem problema|sem problema|nao ha problema)\b/;
const NEGATIVE = /\b(?:nao|negado|negada|nego|recuso|recusado|nunca|jamais|deny|denied|nope)\b/;
const AFFIRMATIVE =
  /\b(?:sim|pode|autorizo|autorizado|autorizada|autorizar|libera|liberado|liberada|liberar|claro|certo|yes|yeah|yep|ok|okay|allow|authorize|authorized)\b/;

/** The resident's yes or no. */
export function parseDecision(text: string): Decision | undefined {
  const normalized = normalizeText(text);
  if (NEGATED_NEGATIVES.test(normalized)) return 'authorize';
  if (NEGATIVE.test(normalized)) return 'deny';
  // English "no" only as an answer on its own: in Portuguese "no" is "in the".
  const tokens = normalized.split(' ');
  if (tokens[0] === 'no' && tokens.length <= 3) return 'deny';
  if (AFFIRMATIVE.test(normalized) || /\bmanda subir\b/.test(normalized)) return 'authorize';
  return undefined;
}

/** The seed's "test hangup" command (audiosocket-hangup.md). */
export function isTestHangupCommand(text: string): boolean {
  return /\btest(?:e|ar)? (?:de )?hang ?up\b/.test(normalizeText(text));
}
