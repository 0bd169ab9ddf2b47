import { describe, expect, it } from 'vitest';
import { KeyedSteps } from './keyed-steps.js';

/** A step that runs until released, noting when it starts and ends. */
function gate(log: string[], name: string) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started: () => void = () => undefined;
  const isStarted = new Promise<void>((resolve) => (started = resolve));
  const step = async () => {
    log.push(`${name} start`);
    started();
    await released;
    log.push(`${name} end`);
  };
  return { step, release, isStarted };
}

describe('keyed steps', () => {
  it('runs one key in order while another key goes on, and a failed step does not stop its key', async () => {
    const errors: string[] = [];
    const steps = new KeyedSteps((_error, what) => errors.push(what));
    const log: string[] = [];
    const first = gate(log, 'a1');
    const a1 = steps.run('a', first.step, 'a1');
    const a2 = steps.run('a', async () => void log.push('a2'), 'a2');
    const a3 = steps.run('a', () => Promise.reject(new Error('boom')), 'a3');
    const a4 = steps.run('a', async () => void log.push('a4'), 'a4');
    await first.isStarted;
    await steps.run('b', async () => void log.push('b1'), 'b1');
    expect(log).toEqual(['a1 start', 'b1']);
    first.release();
    await Promise.all([a1, a2, a3, a4]);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2', 'a4']);
    expect(errors).toEqual(['a3']);
    expect(steps.activeKeys).toBe(0);
  });

  it('runs a barrier after every step asked for before it and before every step asked for after it', async () => {
    const steps = new KeyedSteps(() => undefined);
    const log: string[] = [];
    const before = gate(log, 'a1');
    const a1 = steps.run('a', before.step, 'a1');
    const alone = steps.runAlone(async () => void log.push('alone'), 'alone');
    const b1 = steps.run('b', async () => void log.push('b1'), 'b1');
    const a2 = steps.run('a', async () => void log.push('a2'), 'a2');
    await before.isStarted;
    before.release();
    await Promise.all([a1, alone, b1, a2]);
    expect(log.slice(0, 3)).toEqual(['a1 start', 'a1 end', 'alone']);
    expect(log.slice(3).sort()).toEqual(['a2', 'b1']);
  });
});
