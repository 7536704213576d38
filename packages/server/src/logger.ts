/** Log levels, from most to least verbose. `silent` logs nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Fields attached to a log line. Never put secrets here. */
export type LogFields = Readonly<Record<string, unknown>>;

/** A minimal leveled logger. */
export interface Logger {
  readonly level: LogLevel;
  /** Writes a line at `debug` level (details for troubleshooting). */
  debug(message: string, fields?: LogFields): void;
  /** Writes a line at `info` level (what the server does). */
  info(message: string, fields?: LogFields): void;
  /** Writes a line at `warn` level (something to look at). */
  warn(message: string, fields?: LogFields): void;
  /** Writes a line at `error` level (something failed). */
  error(message: string, fields?: LogFields): void;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Lowest level written. @default 'info' */
  readonly level?: LogLevel;
  /** Where lines go. @default writes to stderr */
  readonly write?: (line: string) => void;
  /** Current time in ms. @default Date.now */
  readonly clock?: () => number;
}

const rank: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * Creates a logger writing one line per entry: time, level, message and the fields as JSON.
 *
 * @example
 * ```ts
 * const logger = createLogger({ level: 'debug' });
 * logger.info('listening', { url: 'http://127.0.0.1:8080' });
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clock = options.clock ?? Date.now;
  const log = (entryLevel: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => {
    if (rank[entryLevel] < rank[level]) return;
    let line = `${new Date(clock()).toISOString()} ${entryLevel.toUpperCase().padEnd(5)} ${message}`;
    if (fields && Object.keys(fields).length > 0) line += ` ${safeJson(fields)}`;
    write(line);
  };
  return {
    level,
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, field: unknown) =>
      field instanceof Error ? { name: field.name, message: field.message } : field,
    );
  } catch {
    return '"[unserialisable fields]"';
  }
}

/** A logger that drops everything (the default of `createApp` so tests stay quiet). */
export const silentLogger: Logger = createLogger({ level: 'silent' });

/**
 * Removes credentials from a URL for logs and status pages: user, password, and the values of
 * query parameters that look secret (`token`, `key`, `password`, ...).
 */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.username) url.username = 'redacted';
    if (url.password) url.password = 'redacted';
    for (const name of [...url.searchParams.keys()]) {
      if (/token|key|secret|password|auth|sig/i.test(name)) url.searchParams.set(name, 'redacted');
    }
    return url.toString().replace(/\/$/, '');
  } catch {
    return '[invalid url]';
  }
}
