import { afterEach, describe, expect, it } from 'vitest';
import { rememberedTab, rememberTab, watchesUnassigned } from './inbox-tab';

const ANA = '00000000-0000-4000-8000-0000000000a1';
const BIA = '00000000-0000-4000-8000-0000000000a2';

describe('the inbox tabs', () => {
  afterEach(() => window.localStorage.clear());

  it("watch the unassigned conversations on an agent's tabs that list them: All, Unassigned, Waiting", () => {
    expect(watchesUnassigned('agent', undefined)).toBe(true);
    expect(watchesUnassigned('agent', 'unassigned')).toBe(true);
    expect(watchesUnassigned('agent', 'awaiting_human')).toBe(true);
    expect(watchesUnassigned('agent', 'mine')).toBe(false);
    expect(watchesUnassigned('agent', 'favorites')).toBe(false);
  });

  it('never on a manager’s console, which receives every conversation', () => {
    for (const role of ['supervisor', 'admin']) {
      expect(watchesUnassigned(role, undefined)).toBe(false);
      expect(watchesUnassigned(role, 'unassigned')).toBe(false);
    }
  });

  it('remember the last tab per user, All when none or an unknown one is kept', () => {
    expect(rememberedTab(ANA)).toBeUndefined();
    rememberTab(ANA, 'mine');
    rememberTab(BIA, 'awaiting_human');
    expect(rememberedTab(ANA)).toBe('mine');
    expect(rememberedTab(BIA)).toBe('awaiting_human');
    rememberTab(ANA, undefined);
    expect(rememberedTab(ANA)).toBeUndefined();
    window.localStorage.setItem(`switchboard.inbox.tab.${BIA}`, 'everything');
    expect(rememberedTab(BIA)).toBeUndefined();
  });
});
