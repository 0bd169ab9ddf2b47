import { z } from 'zod';

export const roles = ['admin', 'supervisor', 'agent'] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

export const emailSchema = z
  .email()
  .max(254)
  .transform((email) => email.toLowerCase());
export const passwordSchema = z.string().min(12, 'must be at least 12 characters').max(256);

export const loginBodySchema = z
  .object({
    email: z.string().min(1).max(254),
    password: z.string().min(1).max(256),
  })
  .strict();

export const registerBodySchema = z
  .object({
    company_name: z.string().trim().min(1).max(120),
    name: z.string().trim().min(1).max(120),
    email: emailSchema,
    password: passwordSchema,
  })
  .strict();

export const refreshBodySchema = z.object({ refresh_token: z.string().min(1).max(512) }).strict();
export const logoutBodySchema = refreshBodySchema;

export const sessionUserSchema = z.object({
  id: z.uuid(),
  company_id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
});

export const tokenResponseSchema = z
  .object({
    token_type: z.literal('Bearer'),
    access_token: z.string(),
    expires_in: z.number().int().describe('seconds until the access token expires'),
    refresh_token: z.string(),
    refresh_expires_in: z.number().int(),
    user: sessionUserSchema,
  })
  .meta({ id: 'TokenResponse' });
export type TokenResponse = z.infer<typeof tokenResponseSchema>;
