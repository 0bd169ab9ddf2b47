import { z } from 'zod';
import { emailSchema, passwordSchema, roleSchema } from './auth.js';
import { paginationQuerySchema } from './common.js';

export const sipTemplates = ['webrtc', 'sip'] as const;
export const sipTemplateSchema = z.enum(sipTemplates);
export type SipTemplate = z.infer<typeof sipTemplateSchema>;

const phoneSchema = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{3,31}$/, 'must be a phone number');

export const deviceSummarySchema = z.object({
  extension: z.number().int(),
  sip_username: z.string(),
  template: sipTemplateSchema,
  is_active: z.boolean(),
});

export const userSchema = z
  .object({
    id: z.uuid(),
    company_id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: roleSchema,
    phone: z.string().nullable(),
    is_active: z.boolean(),
    last_login_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    device: deviceSummarySchema.nullable(),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof userSchema>;

export const createUserBodySchema = z
  .object({
    email: emailSchema,
    name: z.string().trim().min(1).max(120),
    role: roleSchema.default('agent'),
    phone: phoneSchema.optional(),
    password: passwordSchema,
    device_template: sipTemplateSchema.optional(),
  })
  .strict();

export const updateUserBodySchema = z
  .object({
    email: emailSchema.optional(),
    name: z.string().trim().min(1).max(120).optional(),
    role: roleSchema.optional(),
    phone: phoneSchema.nullable().optional(),
    password: passwordSchema.optional(),
    is_active: z.boolean().optional(),
  })
  .strict();

export const updateProfileBodySchema = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    phone: phoneSchema.nullable().optional(),
    current_password: z.string().min(1).max(256).optional(),
    new_password: passwordSchema.optional(),
  })
  .strict()
  .refine((body) => body.new_password === undefined || body.current_password !== undefined, {
    message: 'required to set new_password',
    path: ['current_password'],
  });

export const listUsersQuerySchema = paginationQuerySchema
  .extend({
    role: roleSchema.optional(),
    is_active: z.enum(['true', 'false']).optional(),
    q: z.string().trim().min(1).max(120).optional().describe('matches name or email'),
  })
  .strict();

export const deviceSchema = z
  .object({
    user_id: z.uuid(),
    user_name: z.string(),
    extension: z.number().int(),
    sip_username: z.string(),
    template: sipTemplateSchema,
    is_active: z.boolean(),
    password_rotated_at: z.string(),
    created_at: z.string(),
  })
  .meta({ id: 'SipDevice' });
export type Device = z.infer<typeof deviceSchema>;

/**
 * Asterisk's names of the audio codecs a device may be given (its endpoint's `allow`).
 * opus needs codec_opus in Asterisk to be bridged with anything else (docs/asterisk.md).
 */
export const sipCodecs = [
  'ulaw',
  'alaw',
  'g722',
  'opus',
  'g729',
  'gsm',
  'ilbc',
  'speex',
  'speex16',
  'g726',
  'slin',
  'slin16',
] as const;
export const sipCodecSchema = z.enum(sipCodecs);
export type SipCodec = z.infer<typeof sipCodecSchema>;

export const updateDeviceBodySchema = z
  .object({
    codecs: z
      .array(sipCodecSchema)
      .min(1)
      .max(sipCodecs.length)
      .refine((codecs) => new Set(codecs).size === codecs.length, 'each codec at most once')
      .describe('in order of preference, e.g. ["ulaw", "alaw", "opus"]'),
  })
  .strict();

/** A device's codecs, as Asterisk offers and accepts them, in order of preference. */
export const deviceCodecsSchema = z
  .object({
    user_id: z.uuid(),
    sip_username: z.string(),
    template: sipTemplateSchema,
    codecs: z.array(z.string()),
  })
  .meta({ id: 'SipDeviceCodecs' });
export type DeviceCodecs = z.infer<typeof deviceCodecsSchema>;

/** The server's view of the PBX, as /ready reports it. */
export const pbxStates = ['not_configured', 'up', 'disconnected'] as const;
export type PbxState = (typeof pbxStates)[number];

/** What a softphone needs to register. */
export const deviceCredentialsSchema = z
  .object({
    extension: z.number().int(),
    template: sipTemplateSchema,
    sip_uri: z.string(),
    sip_username: z.string(),
    sip_password: z.string(),
    sip_domain: z.string(),
    wss_url: z.string().nullable(),
    ice_servers: z
      .array(
        z.object({
          urls: z.array(z.string()),
          username: z.string().optional(),
          credential: z.string().optional(),
        }),
      )
      .describe('STUN and TURN servers for the browser (RTCIceServer); TURN credentials are per user and expire'),
    ice_expires_at: z
      .string()
      .nullable()
      .describe('when the TURN credential stops working; fetch the device again before'),
    pbx: z
      .enum(pbxStates)
      .describe(
        'not_configured: no PBX (neither ASTERISK_ARI_URL nor SIP_WSS_URL), do not register; ' +
          'disconnected: the server has lost the PBX (ARI); up: connected, or a SIP-only setup the server does not watch',
      ),
  })
  .meta({ id: 'SipDeviceCredentials' });
export type DeviceCredentials = z.infer<typeof deviceCredentialsSchema>;

export const listDevicesQuerySchema = paginationQuerySchema
  .extend({
    template: sipTemplateSchema.optional(),
    is_active: z.enum(['true', 'false']).optional(),
  })
  .strict();
