import { resolve } from 'node:path';
import { PromptheusError } from '@promptheus/core';
import { z } from 'zod';
import type { LogLevel } from './logger.js';

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The server's configuration, read from the environment by {@link loadConfig}. */
export interface ServerConfig {
  /** `PORT`. @default 8080 */
  readonly port: number;
  /** `HOST`: address to bind. @default '127.0.0.1' */
  readonly host: string;
  /** `PROMETHEUS_URL` (alias `PROM_URL`). @default 'http://localhost:9090' */
  readonly prometheusUrl: string;
  /** `DATA_DIR`: where the SQLite file lives by default. @default './.data' */
  readonly dataDir: string;
  /** `SQLITE_PATH`. @default '<DATA_DIR>/promptheus.db' */
  readonly sqlitePath: string;
  /** `MONGO_URI` (alias `MONGODB_URI`) and `MONGO_DB`: MongoDB instead of SQLite when set. */
  readonly mongo: { readonly uri: string; readonly dbName: string } | null;
  /** `MAX_DOCS`: most records kept per collection. @default 100 */
  readonly maxDocs: number;
  readonly monitor: {
    /** `MONITOR_ENABLED`. @default true */
    readonly enabled: boolean;
    /** `MONITOR_INTERVAL`, in seconds. @default 30 */
    readonly intervalSeconds: number;
    /** `Z_THRESHOLD` of the z-score detector. @default 3 */
    readonly zThreshold: number;
  };
  /** `API_TOKEN`: bearer token for mutating routes, chat and the WebSocket. @default null */
  readonly apiToken: string | null;
  /** `PROTECT_READS`: require the token on read routes too. @default false */
  readonly protectReads: boolean;
  /** `CORS_ORIGINS`: comma-separated origins, or `*`. @default [] */
  readonly corsOrigins: readonly string[];
  /** `PUBLIC_URL`: the server's URL as users reach it (links in alerts). @default null */
  readonly publicUrl: string | null;
  /** `LOG_LEVEL`. @default 'info' */
  readonly logLevel: LogLevel;
  /** `BODY_LIMIT`: bytes, or with a unit (`512kb`, `2mb`). @default 1 MiB */
  readonly bodyLimitBytes: number;
  /** `CHAT_RATE_LIMIT`: questions per minute per client; 0 disables. @default 600 */
  readonly chatRateLimitPerMinute: number;
  /** `READ_CACHE_MS`: how long read answers are reused (dropped on every change); 0 turns it off. @default 1000 */
  readonly readCacheMs: number;
  /** `TRUST_PROXY`: identify clients by `X-Forwarded-For`. @default false */
  readonly trustProxy: boolean;
  /** `WEBHOOK_URL`: also POST alerts as JSON to this URL. @default null */
  readonly webhookUrl: string | null;
  /** The environment, for the notifier and LLM helpers that read their own variables. */
  readonly env: Env;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** True when `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return loopbackHosts.has(host) || host.startsWith('127.');
}

const text = (value: string | undefined) => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
};

const booleanVariable = (byDefault: boolean) =>
  z
    .string()
    .optional()
    .transform((value, check) => {
      const normalised = text(value)?.toLowerCase();
      if (normalised === undefined) return byDefault;
      if (['true', '1', 'yes', 'on'].includes(normalised)) return true;
      if (['false', '0', 'no', 'off'].includes(normalised)) return false;
      check.addIssue({ code: 'custom', message: `must be true or false (got "${value}")` });
      return z.NEVER;
    });

const numberVariable = (options: {
  byDefault: number;
  min: number;
  max: number;
  integer?: boolean;
  unit?: string;
}) =>
  z
    .string()
    .optional()
    .transform((value, check) => {
      const raw = text(value);
      if (raw === undefined) return options.byDefault;
      const number = Number(raw);
      const wanted = `${options.integer ? 'a whole number' : 'a number'}${options.unit ? ` of ${options.unit}` : ''} between ${options.min} and ${options.max}`;
      if (!Number.isFinite(number) || (options.integer && !Number.isInteger(number))) {
        check.addIssue({ code: 'custom', message: `must be ${wanted} (got "${raw.slice(0, 40)}")` });
        return z.NEVER;
      }
      if (number < options.min || number > options.max) {
        check.addIssue({ code: 'custom', message: `must be ${wanted} (got ${number})` });
        return z.NEVER;
      }
      return number;
    });

/** An http(s) URL; the value is never echoed because it may hold credentials. */
const urlVariable = (options: { byDefault: string | null; allowCredentials?: boolean }) =>
  z
    .string()
    .optional()
    .transform((value, check) => {
      const raw = text(value);
      if (raw === undefined) return options.byDefault;
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        check.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
        return z.NEVER;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        check.addIssue({
          code: 'custom',
          message: `must be an http:// or https:// URL (got ${url.protocol}//…)`,
        });
        return z.NEVER;
      }
      if (!options.allowCredentials && (url.username || url.password)) {
        check.addIssue({
          code: 'custom',
          message:
            'must not contain user:password (add an authenticated Prometheus with POST /targets and auth)',
        });
        return z.NEVER;
      }
      return raw.replace(/\/+$/, '');
    });

const byteUnits: Readonly<Record<string, number>> = { b: 1, kb: 1024, k: 1024, mb: 1_048_576, m: 1_048_576 };

const sizeVariable = (byDefault: number) =>
  z
    .string()
    .optional()
    .transform((value, check) => {
      const raw = text(value)?.toLowerCase();
      if (raw === undefined) return byDefault;
      const match = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m)?$/.exec(raw);
      const bytes = match ? Math.floor(Number(match[1]) * (byteUnits[match[2] ?? 'b'] ?? 1)) : Number.NaN;
      if (!Number.isFinite(bytes) || bytes < 1024 || bytes > 100 * 1_048_576) {
        check.addIssue({
          code: 'custom',
          message: `must be a size between 1kb and 100mb, e.g. 1048576, 512kb or 2mb (got "${raw.slice(0, 40)}")`,
        });
        return z.NEVER;
      }
      return bytes;
    });

const envSchema = z.object({
  PORT: numberVariable({ byDefault: 8080, min: 0, max: 65_535, integer: true }),
  HOST: z
    .string()
    .optional()
    .transform((value) => text(value) ?? '127.0.0.1')
    .pipe(
      z
        .string()
        .max(255)
        .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address'),
    ),
  PROMETHEUS_URL: urlVariable({ byDefault: null }),
  PROM_URL: urlVariable({ byDefault: null }),
  DATA_DIR: z.string().optional(),
  SQLITE_PATH: z.string().optional(),
  MONGO_URI: z.string().optional(),
  MONGODB_URI: z.string().optional(),
  MONGO_DB: z
    .string()
    .optional()
    .transform((value) => text(value) ?? 'promptheus')
    .pipe(
      z
        .string()
        .max(63)
        .regex(/^[^/\\. "$*<>:|?]+$/, 'must be a valid MongoDB database name'),
    ),
  MAX_DOCS: numberVariable({ byDefault: 100, min: 1, max: 10_000_000, integer: true }),
  MONITOR_ENABLED: booleanVariable(true),
  MONITOR_INTERVAL: numberVariable({ byDefault: 30, min: 1, max: 86_400, unit: 'seconds' }),
  Z_THRESHOLD: numberVariable({ byDefault: 3, min: 0.5, max: 100 }),
  API_TOKEN: z
    .string()
    .optional()
    .transform((value) => text(value) ?? null)
    .pipe(z.string().min(8, 'must be at least 8 characters long').max(512).nullable()),
  PROTECT_READS: booleanVariable(false),
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value, check) => {
      const origins = (value ?? '')
        .split(',')
        .map((origin) => origin.trim().replace(/\/+$/, ''))
        .filter((origin) => origin !== '');
      for (const origin of origins) {
        if (origin === '*') continue;
        let parsed: URL | null = null;
        try {
          parsed = new URL(origin);
        } catch {
          parsed = null;
        }
        if (!parsed || parsed.origin !== origin) {
          check.addIssue({
            code: 'custom',
            message: `"${origin.slice(0, 80)}" is not an origin like https://dashboard.example.com (or *)`,
          });
        }
      }
      return origins;
    }),
  PUBLIC_URL: urlVariable({ byDefault: null }),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((value) => text(value)?.toLowerCase() ?? 'info')
    .pipe(z.enum(['debug', 'info', 'warn', 'error', 'silent'], 'must be debug, info, warn, error or silent')),
  BODY_LIMIT: sizeVariable(1_048_576),
  CHAT_RATE_LIMIT: numberVariable({
    byDefault: 600,
    min: 0,
    max: 100_000,
    integer: true,
    unit: 'requests per minute',
  }),
  TRUST_PROXY: booleanVariable(false),
  READ_CACHE_MS: numberVariable({
    byDefault: 1000,
    min: 0,
    max: 60_000,
    integer: true,
    unit: 'milliseconds',
  }),
  WEBHOOK_URL: urlVariable({ byDefault: null, allowCredentials: true }),
  SMTP_PORT: numberVariable({ byDefault: 587, min: 1, max: 65_535, integer: true }),
  SLACK_ENABLED: booleanVariable(false),
  SLACK_WEBHOOK_URL: urlVariable({ byDefault: null, allowCredentials: true }),
  LLM_URL: urlVariable({ byDefault: null, allowCredentials: true }),
  GEMINI_API_KEY: z.string().optional(),
});

/**
 * Reads and validates the server's environment variables. Every problem is reported at once, each
 * naming its variable; values of variables that may hold secrets are never echoed.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env); // throws PromptheusError('config') on bad values
 * console.log(config.port, config.sqlitePath);
 * ```
 */
export function loadConfig(env: Env, options: { readonly cwd?: string } = {}): ServerConfig {
  const cwd = options.cwd ?? process.cwd();
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `  ${String(issue.path[0] ?? '?')}: ${issue.message}`,
    );
    throw new PromptheusError('config', `Invalid configuration:\n${problems.join('\n')}`, {
      details: { variables: result.error.issues.map((issue) => String(issue.path[0] ?? '?')) },
    });
  }
  const values = result.data;
  const mongoUri = text(env['MONGO_URI']) ?? text(env['MONGODB_URI']) ?? null;
  if (mongoUri !== null && !/^mongodb(\+srv)?:\/\//.test(mongoUri)) {
    throw new PromptheusError(
      'config',
      'Invalid configuration:\n  MONGO_URI: must start with mongodb:// or mongodb+srv://',
      { details: { variables: ['MONGO_URI'] } },
    );
  }
  const dataDir = resolve(cwd, text(values.DATA_DIR) ?? '.data');
  const sqliteText = text(values.SQLITE_PATH);
  return {
    port: values.PORT,
    host: values.HOST,
    prometheusUrl: values.PROMETHEUS_URL ?? values.PROM_URL ?? 'http://localhost:9090',
    dataDir,
    sqlitePath:
      sqliteText === ':memory:'
        ? ':memory:'
        : sqliteText
          ? resolve(cwd, sqliteText)
          : resolve(dataDir, 'promptheus.db'),
    mongo: mongoUri ? { uri: mongoUri, dbName: values.MONGO_DB } : null,
    maxDocs: values.MAX_DOCS,
    monitor: {
      enabled: values.MONITOR_ENABLED,
      intervalSeconds: values.MONITOR_INTERVAL,
      zThreshold: values.Z_THRESHOLD,
    },
    apiToken: values.API_TOKEN,
    protectReads: values.PROTECT_READS,
    corsOrigins: values.CORS_ORIGINS,
    publicUrl: values.PUBLIC_URL,
    logLevel: values.LOG_LEVEL,
    bodyLimitBytes: values.BODY_LIMIT,
    chatRateLimitPerMinute: values.CHAT_RATE_LIMIT,
    trustProxy: values.TRUST_PROXY,
    readCacheMs: values.READ_CACHE_MS,
    webhookUrl: values.WEBHOOK_URL,
    env,
  };
}

/** Warnings about a configuration that works but is risky. */
export function configWarnings(config: ServerConfig): string[] {
  const warnings: string[] = [];
  if (!isLoopback(config.host) && config.apiToken === null) {
    warnings.push(
      `HOST=${config.host} accepts connections from other machines but API_TOKEN is not set: ` +
        'anyone who can reach the server can change targets, email settings and silences. Set API_TOKEN.',
    );
  }
  if (config.corsOrigins.includes('*') && config.apiToken === null) {
    warnings.push('CORS_ORIGINS=* without API_TOKEN lets any web page call this server from a browser.');
  }
  if (config.protectReads && config.apiToken === null) {
    warnings.push('PROTECT_READS has no effect without API_TOKEN.');
  }
  return warnings;
}
