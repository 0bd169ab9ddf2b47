/**
 * How responses are written (ADR 28). The routes declare their responses as zod schemas
 * (the OpenAPI document is made from them). With `check` (tests and development) every
 * response is checked against its schema by zod before `JSON.stringify`, as
 * fastify-type-provider-zod does: a handler that answers something its schema does not
 * allow fails loudly. In production the same schema, as the JSON Schema the OpenAPI
 * document already has, is compiled once per route and status by fast-json-stringify:
 * only the properties the schema names are written (nothing a handler leaves in an object
 * leaks, as with zod's stripping), without re-checking every value of every answer —
 * zod's check and `JSON.stringify` were a tenth of an authenticated list request's CPU
 * (bench:http). A schema the compiler cannot take (transforms, codecs, dates, anything
 * JSON Schema cannot say) keeps zod's serializer.
 */
import fastJson from 'fast-json-stringify';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

type SerializerCompiler = typeof zodSerializerCompiler;
type Serialize = (data: unknown) => string;
type JsonSchema = Record<string, unknown>;

/** Fastify's serializer compiler: zod's check with `check`, the compiled one otherwise. */
export function responseSerializerCompiler(options: { check: boolean }): SerializerCompiler {
  return options.check ? zodSerializerCompiler : compiledSerializerCompiler;
}

/**
 * Compiled when first used (the server starts without compiling a few hundred schemas it
 * may never answer with); zod's serializer when the schema is not one JSON Schema can say.
 */
export const compiledSerializerCompiler: SerializerCompiler = (route) => {
  let serialize: Serialize | undefined;
  return (data: unknown) => {
    serialize ??= compileSerializer(route);
    return serialize(data);
  };
};

/** The compiled serializer of a route's response schema, or zod's when it cannot be compiled. */
export function compileSerializer(route: Parameters<SerializerCompiler>[0]): Serialize {
  const schema = zodSchemaOf(route.schema);
  if (schema) {
    try {
      const jsonSchema = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'throw' });
      return fastJson(simplified(jsonSchema) as Parameters<typeof fastJson>[0]);
    } catch {
      // Not expressible in JSON Schema (a transform, a date, a bigint): zod's serializer.
    }
  }
  return zodSerializerCompiler(route) as Serialize;
}

function zodSchemaOf(schema: unknown): z.ZodType | undefined {
  if (schema instanceof z.ZodType) return schema;
  const properties = (schema as { properties?: unknown } | null)?.properties;
  return properties instanceof z.ZodType ? properties : undefined;
}

/**
 * The JSON Schema written for serializing, not validating: `pattern` and `format` of
 * strings (the writer does not check them; `format: date-time` would make it write
 * `null` as `""`), and `anyOf [T, null]` as `type: [T, "null"]`, which the writer
 * serializes directly instead of choosing a branch with a validator per value (a
 * validator that would also refuse an object carrying a property its schema does not
 * name, where zod strips it).
 */
function simplified(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplified);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    // `properties` and `definitions` are maps of names: their keys are not keywords.
    if (key === 'properties' || key === 'definitions' || key === '$defs') {
      out[key] = Object.fromEntries(
        Object.entries(value as JsonSchema).map(([name, child]) => [name, simplified(child)]),
      );
    } else if (key !== '$schema') {
      out[key] = simplified(value);
    }
  }
  if (out.type === 'string' || (Array.isArray(out.type) && out.type.includes('string'))) {
    delete out.pattern;
    delete out.format;
  }
  const anyOf = out.anyOf;
  if (Array.isArray(anyOf) && anyOf.length === 2) {
    const nullAt = anyOf.findIndex((branch: JsonSchema) => branch.type === 'null' && Object.keys(branch).length === 1);
    const other = anyOf[1 - nullAt] as JsonSchema | undefined;
    if (nullAt >= 0 && other && typeof other.type === 'string' && NULLABLE.has(other.type)) {
      delete out.anyOf;
      return { ...out, ...other, type: [other.type, 'null'] };
    }
  }
  return out;
}

const NULLABLE = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array']);
