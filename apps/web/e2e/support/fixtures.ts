/**
 * What an e2e test needs (a user, a signed-in browser, a conversation), set up on first
 * use by whichever test needs it first and shared by the tests after it. Each test asks
 * for what it uses instead of counting on an earlier test to have made it: the first test
 * whose setup fails fails with the cause; every later test that needed the same thing is
 * skipped, naming that cause, so one failure never shows as nine.
 */
import type { TestContext } from 'vitest';

export interface Fixture<T> {
  (context: TestContext): Promise<T>;
  /** The value, once set up (for cleanup); undefined before or after a failed setup. */
  readonly value: T | undefined;
}

export function fixture<T>(what: string, create: () => Promise<T>): Fixture<T> {
  let attempt: Promise<T> | undefined;
  let value: T | undefined;
  const use = async (context: TestContext): Promise<T> => {
    if (!attempt) {
      attempt = create();
      value = await attempt;
      return value;
    }
    try {
      return await attempt;
    } catch (error) {
      const cause = error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
      return context.skip(`needs ${what}, whose setup failed in an earlier test: ${cause}`);
    }
  };
  return Object.defineProperty(use, 'value', { get: () => value }) as Fixture<T>;
}
