/**
 * Local servers that answer like the Gemini and Ollama REST APIs, for testing code that uses
 * `@promptheus/llm` (or the SDKs directly) without network access or API keys.
 *
 * @packageDocumentation
 * @module @promptheus/llm/testing
 */
export {
  type FakeGeminiReply,
  type FakeGeminiRequest,
  type FakeGeminiServer,
  type FakeGeminiServerOptions,
  geminiErrorBody,
  retryInfo,
  startFakeGeminiServer,
} from './fake-gemini-server.js';
export {
  type FakeOllamaReply,
  type FakeOllamaServer,
  type FakeOllamaServerOptions,
  startFakeOllamaServer,
} from './fake-ollama-server.js';
export type { LocalServer, RecordedRequest } from './http.js';
