import { describe, expect, it } from 'vitest';
import {
  findUnitByNumber,
  isTestHangupCommand,
  matchResident,
  numberWordsToDigits,
  parseDecision,
  parsePurpose,
  parseUnitNumber,
  parseVisitorName,
  type DirectoryEntry,
} from './intercom-parser.js';

const residents: DirectoryEntry[] = [
  { residentId: 'r1', name: 'Maria da Silva', unitId: 'u101', unitNumber: '101', priority: 0 },
  { residentId: 'r2', name: 'José Souza', unitId: 'u101', unitNumber: '101', priority: 1 },
  { residentId: 'r3', name: 'Ana Paula Ribeiro', unitId: 'u202', unitNumber: '202', priority: 0 },
  { residentId: 'r4', name: 'Maria Ribeiro', unitId: 'u303', unitNumber: '303', priority: 0 },
];

describe('unit numbers', () => {
  it.each([
    ['Apartamento 101, por favor', '101'],
    ['quero ir no apto 12b', '12B'],
    ['é o cento e um', '101'],
    ['um zero dois', '102'],
    ['apartamento mil e duzentos', '1200'],
    ['unit three oh four', '304'],
    ['bloco 2, apartamento 304', '304'],
  ])('reads %j as %s', (text, unit) => {
    expect(parseUnitNumber(text)).toBe(unit);
  });

  it('finds nothing in words without a number', () => {
    expect(parseUnitNumber('bom dia, tudo bem?')).toBeUndefined();
  });

  it('turns number words into digits and leaves other words', () => {
    expect(numberWordsToDigits('casa tres por favor')).toBe('casa 3 por favor');
    expect(numberWordsToDigits('duzentos e trinta e dois')).toBe('232');
  });

  it('matches a unit by its number, or by its label words', () => {
    const units = [{ number: '101' }, { number: 'CASA 3' }];
    expect(findUnitByNumber(units, '101')).toEqual({ number: '101' });
    expect(findUnitByNumber(units, '3', 'é na casa 3')).toEqual({ number: 'CASA 3' });
    expect(findUnitByNumber(units, '3', 'número 3')).toBeUndefined();
  });
});

describe('residents', () => {
  it('matches the most name words, accents ignored', () => {
    expect(matchResident('quero falar com a Ana Paula', residents)?.residentId).toBe('r3');
    expect(matchResident('o jose souza está?', residents)?.residentId).toBe('r2');
    expect(matchResident('Maria da Silva', residents)?.residentId).toBe('r1');
  });

  it('gives no answer when the same name lives in two units', () => {
    expect(matchResident('a Maria', residents)).toBeUndefined();
  });

  it('ignores names nobody has', () => {
    expect(matchResident('o Pedro', residents)).toBeUndefined();
  });
});

describe('visitor names', () => {
  it.each([
    ['Meu nome é carlos pereira e vim entregar', 'Carlos Pereira'],
    ['Olá, aqui é o João do apartamento', 'João'],
    ['sou a Fernanda', 'Fernanda'],
    ['My name is John Smith', 'John Smith'],
  ])('finds the name in %j', (text, name) => {
    expect(parseVisitorName(text, false)).toBe(name);
  });

  it('takes the whole answer to "qual é o seu nome?"', () => {
    expect(parseVisitorName('É... Roberto Carlos.', true)).toBe('Roberto Carlos');
    expect(parseVisitorName('boa tarde, Luíza', true)).toBe('Luíza');
    expect(parseVisitorName('apartamento 101', false)).toBeUndefined();
  });
});

describe('purpose', () => {
  it('recognises common purposes', () => {
    expect(parsePurpose('tenho uma entrega do ifood')).toBe('entrega');
    expect(parsePurpose('vim para consertar o chuveiro')).toBe('consertar o chuveiro');
    expect(parsePurpose('oi')).toBeUndefined();
  });
});

describe('decisions', () => {
  it.each([
    ['sim', 'authorize'],
    ['Pode entrar', 'authorize'],
    ['pode subir, obrigado', 'authorize'],
    ['yes', 'authorize'],
    ['sim, não tem problema', 'authorize'],
    ['não', 'deny'],
    ['Não pode entrar.', 'deny'],
    ['no', 'deny'],
    ['no thanks', 'deny'],
    ['negado', 'deny'],
  ])('reads %j as %s', (text, decision) => {
    expect(parseDecision(text)).toBe(decision);
  });

  it('gives no answer to what is neither', () => {
    expect(parseDecision('quem é?')).toBeUndefined();
    expect(parseDecision('no apartamento tem gente')).toBeUndefined();
  });
});

describe('the seed’s test command', () => {
  it('recognises "test hangup"', () => {
    expect(isTestHangupCommand('test hangup')).toBe(true);
    expect(isTestHangupCommand('Teste hang up.')).toBe(true);
    expect(isTestHangupCommand('apartamento 101')).toBe(false);
  });
});
