import {
  type FallbackProviderOptions,
  fallbackProvider,
  type LlmProvider,
  PromptheusError,
  withBudget,
} from '@promptheus/core';
import { z } from 'zod';
import { createGeminiProvider } from './gemini-provider.js';
import { createOllamaProvider, normalizeOllamaHost } from './ollama-provider.js';

/** Options of {@link createProviderFromEnv}. */
export interface ProviderFromEnvOptions {
  /** Options of the fallback chain built when both Gemini and Ollama are configured. */
  readonly fallback?: FallbackProviderOptions;
}

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const positiveInteger = (name: string) =>
  optionalText.pipe(
    z
      .string()
      .regex(/^\d+$/, `${name} must be a positive integer`)
      .transform(Number)
      .refine((value) => value > 0, `${name} must be a positive integer`)
      .optional(),
  );

const envSchema = z.object({
  GEMINI_API_KEY: optionalText,
  GEMINI_MODEL: optionalText,
  GEMINI_BASE_URL: optionalText.pipe(z.url({ message: 'GEMINI_BASE_URL must be an http(s) URL' }).optional()),
  LLM_URL: optionalText.pipe(
    z
      .url({ protocol: /^https?$/, message: 'LLM_URL must be an http(s) URL such as http://localhost:11434' })
      .optional(),
  ),
  LLM_MODEL: optionalText,
  LLM_TIMEOUT_MS: positiveInteger('LLM_TIMEOUT_MS'),
  LLM_REQUESTS_PER_MINUTE: positiveInteger('LLM_REQUESTS_PER_MINUTE'),
  LLM_TOKENS_PER_MINUTE: positiveInteger('LLM_TOKENS_PER_MINUTE'),
});

/**
 * Builds the LLM provider the environment asks for, or `null` when none is configured (callers
 * then take their deterministic path, and nothing touches the network):
 *
 * - `GEMINI_API_KEY` → Gemini (`GEMINI_MODEL`, default `gemini-2.5-flash`; `GEMINI_BASE_URL` for a proxy);
 * - `LLM_URL` → Ollama at that address (`LLM_MODEL`, default `llama3.2`);
 * - both → a fallback chain, Gemini first (a single provider is also wrapped, for its circuit breaker);
 * - `LLM_TIMEOUT_MS` sets the per-call deadline; `LLM_REQUESTS_PER_MINUTE` / `LLM_TOKENS_PER_MINUTE`
 *   wrap each provider in a budget ({@link withBudget}).
 *
 * The API key is read again at the first call and never logged. Invalid values throw a
 * `config` error naming the variable.
 *
 * @example
 * ```ts
 * const llm = createProviderFromEnv(process.env); // LlmProvider | null
 * ```
 */
export function createProviderFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: ProviderFromEnvOptions = {},
): LlmProvider | null {
  const parsed = envSchema.safeParse({
    GEMINI_API_KEY: env['GEMINI_API_KEY'],
    GEMINI_MODEL: env['GEMINI_MODEL'],
    GEMINI_BASE_URL: env['GEMINI_BASE_URL'],
    LLM_URL: env['LLM_URL'],
    LLM_MODEL: env['LLM_MODEL'],
    LLM_TIMEOUT_MS: env['LLM_TIMEOUT_MS'],
    LLM_REQUESTS_PER_MINUTE: env['LLM_REQUESTS_PER_MINUTE'],
    LLM_TOKENS_PER_MINUTE: env['LLM_TOKENS_PER_MINUTE'],
  });
  if (!parsed.success) {
    // Only the variable names and the rules are reported, never the values (the key is one of them).
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new PromptheusError('config', `Invalid LLM configuration: ${problems.join('; ')}`, {
      details: { variables: parsed.error.issues.map((issue) => issue.path.join('.')) },
    });
  }
  const config = parsed.data;
  const timeout = config.LLM_TIMEOUT_MS === undefined ? {} : { timeoutMs: config.LLM_TIMEOUT_MS };
  const providers: LlmProvider[] = [];
  if (config.GEMINI_API_KEY !== undefined) {
    providers.push(
      createGeminiProvider({
        env,
        ...(config.GEMINI_MODEL === undefined ? {} : { model: config.GEMINI_MODEL }),
        ...(config.GEMINI_BASE_URL === undefined ? {} : { baseUrl: config.GEMINI_BASE_URL }),
        ...timeout,
      }),
    );
  }
  if (config.LLM_URL !== undefined) {
    providers.push(
      createOllamaProvider({
        host: normalizeOllamaHost(config.LLM_URL),
        ...(config.LLM_MODEL === undefined ? {} : { model: config.LLM_MODEL }),
        ...timeout,
      }),
    );
  }
  const budgeted =
    config.LLM_REQUESTS_PER_MINUTE === undefined && config.LLM_TOKENS_PER_MINUTE === undefined
      ? providers
      : providers.map((provider) =>
          withBudget(provider, {
            ...(config.LLM_REQUESTS_PER_MINUTE === undefined
              ? {}
              : { requestsPerMinute: config.LLM_REQUESTS_PER_MINUTE }),
            ...(config.LLM_TOKENS_PER_MINUTE === undefined
              ? {}
              : { tokensPerMinute: config.LLM_TOKENS_PER_MINUTE }),
          }),
        );
  if (budgeted.length === 0) return null;
  // Even one provider goes through the chain, for its circuit breaker.
  return fallbackProvider(budgeted, options.fallback);
}
