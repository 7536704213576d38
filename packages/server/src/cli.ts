#!/usr/bin/env node
import { errorMessage, PromptheusError } from '@promptheus/core';
import { version } from '../package.json';
import { createServerFromEnv } from './from-env.js';

const help = `promptheus ${version} — AI-assisted Prometheus monitoring

Usage:
  promptheus serve [--port <port>] [--host <address>]   start the server
  promptheus --version                                   print the version
  promptheus --help                                      print this help

The server is configured with environment variables (flags override PORT and HOST):
  PORT (8080), HOST (127.0.0.1), PROMETHEUS_URL or PROM_URL (http://localhost:9090),
  DATA_DIR (./.data), SQLITE_PATH (<DATA_DIR>/promptheus.db), MONGO_URI + MONGO_DB,
  GEMINI_API_KEY (+ GEMINI_MODEL), LLM_URL + LLM_MODEL (Ollama), MONITOR_INTERVAL (30),
  MONITOR_ENABLED (true), Z_THRESHOLD (3), MAX_DOCS (100), SMTP_HOST, SMTP_PORT, SMTP_USER,
  SMTP_PASSWORD, SMTP_FROM, SLACK_ENABLED, SLACK_WEBHOOK_URL, WEBHOOK_URL, API_TOKEN,
  PROTECT_READS, CORS_ORIGINS, PUBLIC_URL, BODY_LIMIT, CHAT_RATE_LIMIT, READ_CACHE_MS,
  TRUST_PROXY, LOG_LEVEL.
See the README of @promptheus/server for what each one does.
`;

function fail(message: string): never {
  process.stderr.write(`promptheus: ${message}\n`);
  process.exit(1);
}

function parseServeFlags(args: readonly string[]): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const [flag, inline] = arg.includes('=') ? arg.split('=', 2) : [arg, undefined];
    if (flag !== '--port' && flag !== '--host') fail(`unknown option ${flag} (see promptheus --help)`);
    const value = inline ?? args[++index];
    if (value === undefined) fail(`${flag} needs a value`);
    overrides[flag === '--port' ? 'PORT' : 'HOST'] = value;
  }
  return overrides;
}

async function serveCommand(args: readonly string[]): Promise<void> {
  const env = { ...process.env, ...parseServeFlags(args) };
  const server = await createServerFromEnv(env);
  const { logger } = server;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`${signal}: shutting down`);
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 15 s; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    server.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('shutdown failed', { error: errorMessage(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('unhandledRejection', (reason) =>
    logger.error('unhandled rejection', { error: errorMessage(reason) }),
  );
  process.on('uncaughtException', (error) =>
    logger.error('uncaught exception', { error: errorMessage(error) }),
  );

  let running: Awaited<ReturnType<typeof server.listen>>;
  try {
    running = await server.listen();
  } catch (error) {
    await server.close();
    throw error;
  }
  const { config } = server;
  logger.info(`Promptheus ${version} listening on ${running.url}`, {
    store: server.store.kind,
    llm: server.llm ? `${server.llm.name}/${server.llm.model}` : 'offline',
    monitor: config.monitor.enabled ? `every ${config.monitor.intervalSeconds}s` : 'off',
    websocket: `${running.url.replace(/^http/, 'ws')}/ws`,
  });
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(help);
    return;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`${version}\n`);
    return;
  }
  if (command === 'serve') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(help);
      return;
    }
    await serveCommand(rest);
    return;
  }
  fail(`unknown command "${command}" (see promptheus --help)`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  fail(PromptheusError.isInstance(error) ? error.message : `unexpected error: ${errorMessage(error)}`);
});
