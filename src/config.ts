import { resolve } from 'node:path';
import { z } from 'zod';
import { defaultDataDir } from './dataLocation.ts';

const envSchema = z.object({
  SEATWISE_PORT: z.coerce.number().int().min(0).max(65535).default(4310),
  SEATWISE_HOST: z.string().min(1).default('127.0.0.1'),
  SEATWISE_DATA_DIR: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  SEATWISE_SECRET_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Keys tokens may still be sealed with during a rotation (comma-separated); new values use SEATWISE_SECRET_KEY. */
  SEATWISE_PREVIOUS_SECRET_KEYS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .refine((keys) => keys.every((k) => k.length >= 16), 'every key must be at least 16 characters'),
  /** Origins besides monday's own that tokens may be sent to (the emulator, a proxy): comma-separated, or `*`. */
  SEATWISE_ALLOWED_ENDPOINTS: z.string().optional(),
  SEATWISE_LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(60),
  /** Session cookies marked Secure: always, never, or (auto) when the request came over https. */
  SEATWISE_SECURE_COOKIES: z.enum(['auto', 'true', 'false']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Seatwise's settings, read once from the environment at start. */
export type Config = Omit<z.infer<typeof envSchema>, 'SEATWISE_DATA_DIR'> & {
  /** An absolute path: SEATWISE_DATA_DIR, or the user's data directory. */
  SEATWISE_DATA_DIR: string;
  /** Whether SEATWISE_DATA_DIR was set (rather than the default used). */
  dataDirFromEnv: boolean;
};

export class ConfigError extends Error {}

/** Parses the environment; a bad value stops the start with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means unset, as shells and compose files write it.
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = envSchema.safeParse(given);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const dataDir = result.data.SEATWISE_DATA_DIR;
  return {
    ...result.data,
    SEATWISE_DATA_DIR: resolve(dataDir ?? defaultDataDir()),
    dataDirFromEnv: dataDir !== undefined,
  };
}
