/** Time as a collaborator, so rules that depend on "now" are testable. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
