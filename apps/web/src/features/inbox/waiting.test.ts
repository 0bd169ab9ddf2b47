import { describe, expect, it } from 'vitest';
import { translate } from '../../shared/i18n/i18n';
import { conversation } from '../../test-support/fixtures';
import { filterForSearch, filterForTab, formatWaiting, sortWaiting, waitingTime } from './waiting';

const NOW = Date.parse('2026-11-23T12:00:00.000Z');
const ago = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();

describe('the waiting list', () => {
  it('serves the longest wait first, whatever the latest activity', () => {
    const newest = conversation({ created_at: ago(2), last_activity_at: ago(1) });
    const oldest = conversation({ created_at: ago(30), last_activity_at: ago(0) });
    const middle = conversation({ created_at: ago(10), last_activity_at: ago(9) });
    expect(sortWaiting([newest, oldest, middle]).map((c) => c.id)).toEqual([oldest.id, middle.id, newest.id]);
  });

  it('counts whole minutes, then hours and minutes, then days', () => {
    expect(waitingTime(ago(0.5), NOW)).toEqual({ unit: 'now', value: 0, minutes: 0 });
    expect(waitingTime(ago(3), NOW)).toEqual({ unit: 'minutes', value: 3, minutes: 3 });
    expect(waitingTime(ago(65), NOW)).toEqual({ unit: 'hours', value: 1, minutes: 5 });
    expect(waitingTime(ago(60 * 50), NOW)).toEqual({ unit: 'days', value: 2, minutes: 0 });
    // A clock a little behind the server's never shows a negative wait.
    expect(waitingTime(new Date(NOW + 5_000).toISOString(), NOW).unit).toBe('now');
  });

  it('says it in Portuguese and English', () => {
    const pt = (key: Parameters<typeof translate>[1], values?: Record<string, string | number>) =>
      translate('pt-BR', key, values);
    const en = (key: Parameters<typeof translate>[1], values?: Record<string, string | number>) =>
      translate('en', key, values);
    expect(formatWaiting(pt, ago(3), NOW)).toBe('há 3 min');
    expect(formatWaiting(en, ago(3), NOW)).toBe('3 min ago');
    expect(formatWaiting(pt, ago(65), NOW)).toBe('há 1 h 05 min');
    expect(formatWaiting(en, ago(0), NOW)).toBe('just now');
  });
});

describe('search and favourites across statuses', () => {
  it('widens a new search to every status and brings the chosen status back when it is cleared', () => {
    const start = filterForSearch({ status: 'open' }, 'Maria', null);
    expect(start.filter).toEqual({ status: undefined, q: 'Maria' });
    const refined = filterForSearch(start.filter, 'Maria S', start.remembered);
    expect(refined.filter.status).toBeUndefined();
    const cleared = filterForSearch(refined.filter, undefined, refined.remembered);
    expect(cleared.filter).toEqual({ status: 'open', q: undefined });
    expect(cleared.remembered).toBeNull();
  });

  it('keeps a status the agent picked while searching', () => {
    const start = filterForSearch({ status: 'open' }, 'Maria', null);
    // The agent narrows to resolved: the component forgets the remembered status.
    const narrowed = { ...start.filter, status: 'resolved' as const };
    expect(filterForSearch(narrowed, undefined, null).filter.status).toBe('resolved');
  });

  it('shows every starred conversation under Favourites, resolved ones too', () => {
    expect(filterForTab({ status: 'open' }, 'favorites')).toEqual({ filter: 'favorites', status: undefined });
    expect(filterForTab({ status: 'open' }, 'mine')).toEqual({ filter: 'mine', status: 'open' });
  });
});
