/**
 * One check for every route, before validation and before any handler: no string the
 * client sends (JSON body values and keys, query values, path params) may hold a NUL or a
 * lone UTF-16 surrogate. PostgreSQL refuses both in text (`invalid byte sequence`), so
 * without this check they surface as 500s deep in a handler; here they are a 400
 * `request.invalid_text` naming where the bad text was.
 */
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../shared/errors.js';
import { isCleanText } from '../shared/text.js';

/** How deep a body is walked; JSON nested deeper than this is refused as invalid text too. */
const MAX_DEPTH = 64;

/** The path of the first string that is not clean text, or undefined. */
export function findUncleanText(value: unknown, path: string): string | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop();
    if (!item) break;
    if (typeof item.value === 'string') {
      if (!isCleanText(item.value)) return item.path;
      continue;
    }
    if (item.value === null || typeof item.value !== 'object' || Buffer.isBuffer(item.value)) continue;
    if (item.depth >= MAX_DEPTH) return item.path;
    for (const [key, child] of Object.entries(item.value)) {
      const childPath = `${item.path}.${key}`;
      if (!isCleanText(key)) return item.path;
      stack.push({ value: child, path: childPath, depth: item.depth + 1 });
    }
  }
  return undefined;
}

export function registerTextInputCheck(app: FastifyInstance): void {
  // A callback hook, not an async one: no promise per request for a check that never waits.
  app.addHook('preValidation', (request, _reply, done) => {
    const where =
      findUncleanText(request.params, 'params') ??
      findUncleanText(request.query, 'query') ??
      findUncleanText(request.body, 'body');
    if (where === undefined) return done();
    done(
      new ValidationError('request.invalid_text', 'Text may not contain NUL characters or unpaired surrogates.', [
        { field: where, message: 'NUL or unpaired surrogate' },
      ]),
    );
  });
}
