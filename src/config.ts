import { z } from 'zod';
import type { SmtpSettings } from './notifications/email.js';
import type { WebhookSettings } from './notifications/webhook.js';
import { DEFAULT_POOL_SIZE } from './db/pool.js';

/**
 * The one place that reads the environment. Everything else receives a typed Config.
 * Values that dev mode fills in (database, admin token) stay optional here; `scimflow dev`
 * supplies them and production entry points insist on them.
 */
const port = z.coerce.number().int().min(0).max(65535);

const envSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  PORT: port.default(3000),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  SECRETS_KEY: z.string().min(16, 'SECRETS_KEY must be at least 16 characters').optional(),
  PUBLIC_URL: z.string().url().transform((u) => u.replace(/\/+$/, '')).optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: z.string().url().transform((u) => u.replace(/\/+$/, '')).optional(),
  SMTP_URL: z.string().url().optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: port.optional(),
  SMTP_SECURE: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().optional(),
  SMTP_FROM: z.string().min(3).default('scimflow <scimflow@localhost>'),
  WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  WEBHOOK_SECRET: z.string().min(16, 'WEBHOOK_SECRET must be at least 16 characters').optional(),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  METRICS_PORT: port.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(DEFAULT_POOL_SIZE),
});

export type Config = {
  databaseUrl: string | undefined;
  /** connections each process keeps to PostgreSQL */
  databasePoolSize: number;
  temporalAddress: string | undefined;
  temporalNamespace: string;
  port: number;
  adminToken: string | undefined;
  secretsKey: string | undefined;
  publicUrl: string | undefined;
  dataDir: string;
  temporalDevPort: number;
  temporalUiPort: number;
  /** where the web console links a job's workflow; in dev (no TEMPORAL_ADDRESS) the embedded server's UI */
  temporalUiUrl: string | undefined;
  /** null: no notification email (neither SMTP_URL nor SMTP_HOST set) */
  smtp: SmtpSettings | null;
  /** null: no notification webhook */
  webhook: WebhookSettings | null;
  /** bearer token /metrics requires; public when unset */
  metricsToken: string | undefined;
  /** `scimflow worker` serves /metrics on this port when set */
  metricsPort: number | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  logRetentionDays: number;
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset", as they do in docker-compose files and shell exports.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    temporalAddress: e.TEMPORAL_ADDRESS,
    temporalNamespace: e.TEMPORAL_NAMESPACE,
    port: e.PORT,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    adminToken: e.ADMIN_TOKEN,
    secretsKey: e.SECRETS_KEY,
    publicUrl: e.PUBLIC_URL,
    dataDir: e.DATA_DIR,
    temporalDevPort: e.TEMPORAL_DEV_PORT,
    temporalUiPort: e.TEMPORAL_UI_PORT,
    temporalUiUrl: e.TEMPORAL_UI_URL ?? (e.TEMPORAL_ADDRESS ? undefined : `http://localhost:${e.TEMPORAL_UI_PORT}`),
    smtp: e.SMTP_URL || e.SMTP_HOST
      ? { url: e.SMTP_URL, host: e.SMTP_HOST, port: e.SMTP_PORT, secure: e.SMTP_SECURE ?? e.SMTP_PORT === 465, user: e.SMTP_USER, password: e.SMTP_PASSWORD, from: e.SMTP_FROM }
      : null,
    webhook: e.WEBHOOK_URL ? { url: e.WEBHOOK_URL, secret: required(e.WEBHOOK_SECRET, 'WEBHOOK_SECRET (with WEBHOOK_URL)') } : null,
    metricsToken: e.METRICS_TOKEN,
    metricsPort: e.METRICS_PORT,
    logLevel: e.LOG_LEVEL,
    logRetentionDays: e.LOG_RETENTION_DAYS,
  };
}

/** Narrows an optional setting for entry points that cannot run without it. */
export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new ConfigError(`${name} is required`);
  return value;
}
