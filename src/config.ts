import { z } from 'zod';

const envSchema = z.object({
  SEATWISE_PORT: z.coerce.number().int().min(0).max(65535).default(4310),
  SEATWISE_HOST: z.string().min(1).default('127.0.0.1'),
  SEATWISE_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  SEATWISE_SECRET_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  SEATWISE_LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(60),
  /** Session cookies marked Secure: always, never, or (auto) when the request came over https. */
  SEATWISE_SECURE_COOKIES: z.enum(['auto', 'true', 'false']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Seatwise's settings, read once from the environment at start. */
export type Config = z.infer<typeof envSchema>;

export class ConfigError extends Error {}

/** Parses the environment; a bad value stops the start with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return result.data;
}
