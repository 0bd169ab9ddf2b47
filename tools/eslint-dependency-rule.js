/**
 * The dependency rule of STYLE.md:
 * - another module is reached through its index.ts only;
 * - db/ and shared/ never import modules/ (shared/ imports nothing of ours);
 * - domain files (modules/<name>/<name>.ts and *.ports.ts) import only shared/;
 * - integrations/ never import modules/;
 * - modules/ never import integrations/: a module declares the ports it needs and the
 *   composition root (main.ts, adapters.ts) passes the adapters in. Two exceptions: a
 *   module's tests may use a real adapter, and integrations/outbound-http, the guard every
 *   outbound URL must pass (its policy types and refusals are shared, like shared/).
 */
import { dirname, relative, resolve, sep } from 'node:path';

const SRC = `${sep}apps${sep}server${sep}src${sep}`;

function locate(file) {
  const at = file.indexOf(SRC);
  if (at < 0) return undefined;
  const parts = file.slice(at + SRC.length).split(sep);
  return {
    top: parts[0],
    module: parts[0] === 'modules' ? parts[1] : undefined,
    rest: parts.slice(2).join('/'),
    parts,
  };
}

export default {
  meta: { type: 'problem', schema: [], messages: { bad: '{{why}}' } },
  create(context) {
    const file = context.filename;
    const from = locate(file);
    if (!from) return {};
    const base = from.parts[from.parts.length - 1] ?? '';
    const isTestFile = /\.test\.tsx?$/.test(base);
    const isDomainFile = from.module !== undefined && (base === `${from.module}.ts` || base.endsWith('.ports.ts'));
    return {
      ImportDeclaration(node) {
        const spec = node.source.value;
        if (typeof spec !== 'string' || !spec.startsWith('.')) {
          if (isDomainFile && node.importKind !== 'type' && !spec.startsWith('node:') && spec !== 'zod') {
            context.report({
              node,
              messageId: 'bad',
              data: { why: `domain file imports package "${spec}"; only shared/ is allowed` },
            });
          }
          return;
        }
        const target = locate(resolve(dirname(file), spec));
        if (!target) return;
        const report = (why) => context.report({ node, messageId: 'bad', data: { why } });
        if ((from.top === 'db' || from.top === 'shared' || from.top === 'integrations') && target.top === 'modules') {
          report(`${from.top}/ must not import modules/`);
        } else if (
          from.top === 'modules' &&
          target.top === 'integrations' &&
          target.parts[1] !== 'outbound-http' &&
          !isTestFile
        ) {
          report(
            'modules/ do not import integrations/: declare a port in the module (*.ports.ts) and have the composition root pass the adapter in',
          );
        } else if (from.top === 'shared' && target.top !== 'shared') {
          report('shared/ imports nothing outside shared/');
        } else if (target.top === 'modules' && target.module !== from.module && target.rest !== 'index.js') {
          report(
            `reach module "${target.module}" through its index.ts (${relative(dirname(file), resolve(dirname(file), spec))})`,
          );
        } else if (isDomainFile && target.top !== 'shared' && target.module !== from.module) {
          report('domain files import only shared/');
        }
      },
    };
  },
};
