/**
 * The widget's script (widget/build.mjs), read once and kept with its ETag. Found next
 * to this package from src/ (tests) or dist/src/ (the build); a missing build is a 404.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface WidgetScript {
  load(): Promise<{ body: Buffer; etag: string } | undefined>;
}

// dist/widget/widget.js of this package, from src/modules/webchat (tests) or dist/src/modules/webchat.
const CANDIDATES = ['../../../dist/widget/widget.js', '../../../widget/widget.js'];

export function widgetScriptFile(path?: string): WidgetScript {
  let cached: { body: Buffer; etag: string } | undefined;
  return {
    async load() {
      if (cached) return cached;
      const paths = path ? [path] : CANDIDATES.map((p) => fileURLToPath(new URL(p, import.meta.url)));
      for (const candidate of paths) {
        const body = await readFile(candidate).catch(() => undefined);
        if (!body) continue;
        cached = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
        return cached;
      }
      return undefined;
    },
  };
}
