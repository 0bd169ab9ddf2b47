/**
 * Turning what a caller said into what the intercom needs. Two implementations of one
 * interface: the rule-based parser (always available), and a language model over an
 * OpenAI-compatible chat endpoint that extracts the same fields and phrases a reply,
 * falling back to the rules on any failure so a slow or broken model never stalls a call.
 */
import { z } from 'zod';
import type { Logger } from '../../../shared/logger.js';
import type { IntercomDirectory } from '../voicebot.repository.js';
import type { ChatModel } from '../voicebot.ports.js';
import {
  matchResident,
  normalizeText,
  parseDecision,
  parsePurpose,
  parseUnitNumber,
  parseVisitorName,
  type Decision,
} from './intercom-parser.js';

export interface VisitorIntent {
  unitNumber?: string | undefined;
  residentId?: string | undefined;
  visitorName?: string | undefined;
  purpose?: string | undefined;
  /** A reply phrased for the visitor (language model only). */
  reply?: string | undefined;
}

export interface UnderstandingContext {
  directory: IntercomDirectory;
  /** The question was "what is your name?": the whole answer may be the name. */
  isNameAnswer: boolean;
  signal?: AbortSignal | undefined;
}

export interface IntercomUnderstanding {
  readonly name: 'rules' | 'llm';
  understandVisitor(text: string, context: UnderstandingContext): Promise<VisitorIntent>;
  understandDecision(text: string, signal?: AbortSignal): Promise<Decision | undefined>;
}

function understandByRules(text: string, context: UnderstandingContext): VisitorIntent {
  const visitorName = parseVisitorName(text, context.isNameAnswer);
  // The visitor's own name is not the resident they ask for.
  const withoutVisitor = visitorName ? normalizeText(text).replace(normalizeText(visitorName), ' ') : text;
  return {
    unitNumber: context.isNameAnswer ? undefined : parseUnitNumber(text),
    residentId: context.isNameAnswer
      ? undefined
      : matchResident(withoutVisitor, context.directory.residents)?.residentId,
    visitorName,
    purpose: parsePurpose(text),
  };
}

export const ruleUnderstanding: IntercomUnderstanding = {
  name: 'rules',
  understandVisitor: (text, context) => Promise.resolve(understandByRules(text, context)),
  understandDecision: (text) => Promise.resolve(parseDecision(text)),
};

const nullableText = z
  .string()
  .nullish()
  .transform((value) => (value && value.trim() !== '' ? value.trim().slice(0, 200) : undefined));

const visitorAnswerSchema = z.object({
  unit: z.union([z.string(), z.number()]).nullish(),
  resident_name: nullableText,
  visitor_name: nullableText,
  purpose: nullableText,
  reply: nullableText,
});

const decisionAnswerSchema = z.object({ decision: z.enum(['authorize', 'deny']).nullish() });

/** Models wrap JSON in prose or code fences now and then: take the outermost object. */
export function extractJson(content: string): unknown {
  const start = content.indexOf('{');
  const end = content.lastIndexOf('}');
  if (start < 0 || end <= start) throw new Error('no JSON object in the answer');
  return JSON.parse(content.slice(start, end + 1));
}

const MAX_DIRECTORY_LINES = 300;

function directoryPrompt(directory: IntercomDirectory): string {
  const residents = directory.residents
    .slice(0, MAX_DIRECTORY_LINES)
    .map((resident) => `${resident.name} (${resident.unitNumber})`)
    .join('; ');
  const units = directory.units
    .slice(0, MAX_DIRECTORY_LINES)
    .map((unit) => unit.number)
    .join(', ');
  return `Unidades: ${units || 'nenhuma'}. Moradores: ${residents || 'nenhum'}.`;
}

export class LlmUnderstanding implements IntercomUnderstanding {
  readonly name = 'llm' as const;

  constructor(
    private readonly chat: ChatModel,
    private readonly logger: Logger,
    private readonly fallback: IntercomUnderstanding = ruleUnderstanding,
  ) {}

  async understandVisitor(text: string, context: UnderstandingContext): Promise<VisitorIntent> {
    const rules = await this.fallback.understandVisitor(text, context);
    try {
      const content = await this.chat.complete(
        [
          {
            role: 'system',
            content:
              'Você é o atendente de uma portaria virtual de condomínio. Do que o visitante disse, extraia: ' +
              '"unit" (a unidade que ele quer visitar, só o número ou a identificação, ou null), ' +
              '"resident_name" (o morador que ele procura, ou null), "visitor_name" (o nome do próprio visitante, ou null), ' +
              '"purpose" (o motivo da visita em poucas palavras, ou null) e "reply" (uma frase curta e educada, ' +
              'em português do Brasil, dizendo que vai chamar o morador; não prometa que a entrada será liberada). ' +
              `Responda só com um objeto JSON com essas chaves. ${directoryPrompt(context.directory)}`,
          },
          {
            role: 'user',
            content: context.isNameAnswer ? `(Pergunta: qual é o seu nome?) ${text}` : text,
          },
        ],
        { isJson: true, maxTokens: 200, signal: context.signal },
      );
      const answer = visitorAnswerSchema.parse(extractJson(content));
      const unitNumber =
        answer.unit === null || answer.unit === undefined ? undefined : parseUnitNumber(`apartamento ${answer.unit}`);
      const resident = answer.resident_name
        ? matchResident(answer.resident_name, context.directory.residents)
        : undefined;
      return {
        unitNumber: unitNumber ?? rules.unitNumber,
        residentId: resident?.residentId ?? rules.residentId,
        visitorName: answer.visitor_name ?? rules.visitorName,
        purpose: answer.purpose ?? rules.purpose,
        reply: answer.reply,
      };
    } catch (err) {
      if (context.signal?.aborted) throw err;
      this.logger.warn({ err }, 'language model failed; using the rule-based parser');
      return rules;
    }
  }

  async understandDecision(text: string, signal?: AbortSignal): Promise<Decision | undefined> {
    const rules = await this.fallback.understandDecision(text, signal);
    if (rules) return rules;
    try {
      const content = await this.chat.complete(
        [
          {
            role: 'system',
            content:
              'Um morador responde se autoriza a entrada de um visitante. Responda só com um objeto JSON ' +
              '{"decision": "authorize"} se ele autorizou, {"decision": "deny"} se negou, ou {"decision": null} se não ficou claro.',
          },
          { role: 'user', content: text },
        ],
        { isJson: true, maxTokens: 30, signal },
      );
      return decisionAnswerSchema.parse(extractJson(content)).decision ?? undefined;
    } catch (err) {
      if (signal?.aborted) throw err;
      this.logger.warn({ err }, 'language model failed on a decision');
      return undefined;
    }
  }
}
