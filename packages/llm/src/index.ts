/**
 * LLM providers for Promptheus: Gemini (`@google/genai`) and Ollama (`ollama`), and
 * `createProviderFromEnv` for the one-line configuration.
 *
 * @packageDocumentation
 * @module @promptheus/llm
 */
export type { LlmFailureReason } from './errors.js';
export { createProviderFromEnv, type ProviderFromEnvOptions } from './from-env.js';
export {
  createGeminiProvider,
  type GeminiClient,
  type GeminiProvider,
  type GeminiProviderOptions,
} from './gemini-provider.js';
export {
  createOllamaProvider,
  normalizeOllamaHost,
  type OllamaClient,
  type OllamaProvider,
  type OllamaProviderOptions,
} from './ollama-provider.js';
