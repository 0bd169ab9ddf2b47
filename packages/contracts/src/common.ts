import { z } from 'zod';

/** RFC 9457 problem details, as every error of the API is answered. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('stable machine-readable error code, e.g. `user.not_found`'),
    detail: z.string().optional(),
    instance: z.string().optional(),
    request_id: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('one entry per bad field of a validation error'),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof problemSchema>;

export const uuidSchema = z.uuid();

export const idParamsSchema = z.object({ id: z.uuid() }).strict();

export const paginationQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().describe('pass as `cursor` to get the next page; null on the last page'),
  });
}

export const isoDateTime = z.iso.datetime({ offset: true });
