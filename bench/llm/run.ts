/**
 * LLM provider layer: what the providers add on top of the SDKs, and what the circuit breaker
 * saves when a provider hangs. Every call goes through the real SDK to a local server that answers
 * like the Gemini / Ollama API, so the figures are the cost of our code plus the SDK and loopback
 * HTTP, not of a model.
 *
 *   pnpm tsx bench/llm/run.ts
 */
import { createRequire } from 'node:module';
import { fallbackProvider, type LlmProvider, withBudget } from '@promptheus/core';
import { createMockLlmProvider } from '@promptheus/core/testing';
import { createGeminiProvider, createOllamaProvider } from '@promptheus/llm';
import { startFakeGeminiServer, startFakeOllamaServer } from '@promptheus/llm/testing';

// The SDKs and zod are dependencies of @promptheus/llm, so they are resolved from there.
const fromLlmPackage = createRequire(new URL('../../packages/llm/package.json', import.meta.url));
const { GoogleGenAI } = fromLlmPackage(
  '@google/genai',
) as typeof import('../../packages/llm/node_modules/@google/genai');
const { Ollama } = fromLlmPackage('ollama') as typeof import('../../packages/llm/node_modules/ollama');
const { z } = fromLlmPackage('zod') as typeof import('../../packages/llm/node_modules/zod');

const calls = Number(process.env['BENCH_CALLS'] ?? 300);
const schema = z.object({ summary: z.string(), cause: z.string(), confidence: z.number().min(0).max(1) });
const answer = JSON.stringify({
  summary: 'Disk almost full',
  cause: 'log rotation stopped',
  confidence: 0.8,
});

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measure(count: number, run: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let warm = 0; warm < 20; warm++) await run();
  const times: number[] = [];
  for (let index = 0; index < count; index++) {
    const startedAt = performance.now();
    await run();
    times.push(performance.now() - startedAt);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

const rows: string[] = [];
const row = (what: string, result: { p50: number; p95: number }) =>
  rows.push(`| ${what} | ${result.p50.toFixed(2)} | ${result.p95.toFixed(2)} |`);

const gemini = await startFakeGeminiServer({ apiKey: 'bench-key', replies: () => answer });
const ollama = await startFakeOllamaServer({ replies: () => answer });
try {
  const rawGemini = new GoogleGenAI({ apiKey: 'bench-key', httpOptions: { baseUrl: gemini.url } });
  const geminiProvider = createGeminiProvider({ apiKey: 'bench-key', baseUrl: gemini.url });
  row(
    'Gemini: raw SDK `generateContent`',
    await measure(calls, () =>
      rawGemini.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Why is the disk full?' }),
    ),
  );
  row(
    'Gemini: `generateText`',
    await measure(calls, () => geminiProvider.generateText({ prompt: 'Why is the disk full?' })),
  );
  row(
    'Gemini: `generateObject` (JSON schema + zod)',
    await measure(calls, () => geminiProvider.generateObject({ prompt: 'Why is the disk full?', schema })),
  );

  const rawOllama = new Ollama({ host: ollama.url });
  const ollamaProvider = createOllamaProvider({ host: ollama.url });
  row(
    'Ollama: raw SDK `chat` (streamed)',
    await measure(calls, async () => {
      const stream = await rawOllama.chat({
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'Why is the disk full?' }],
        stream: true,
      });
      for await (const _part of stream) {
        // drain
      }
    }),
  );
  row(
    'Ollama: `generateText`',
    await measure(calls, () => ollamaProvider.generateText({ prompt: 'Why is the disk full?' })),
  );
  row(
    'Ollama: `generateObject` (format + zod)',
    await measure(calls, () => ollamaProvider.generateObject({ prompt: 'Why is the disk full?', schema })),
  );

  const mock = createMockLlmProvider({ responses: () => answer });
  row(
    'mock: `generateObject` (no HTTP)',
    await measure(calls * 10, () => mock.generateObject({ prompt: 'x', schema })),
  );
  const chained = fallbackProvider([withBudget(mock, { requestsPerMinute: 1_000_000 })]);
  row(
    'mock in `withBudget` + `fallbackProvider`',
    await measure(calls * 10, () => chained.generateObject({ prompt: 'x', schema })),
  );
  const refused = withBudget(createMockLlmProvider({ responses: () => 'x' }), { requestsPerMinute: 1 });
  await refused.generateText({ prompt: 'x' });
  row(
    '`withBudget` refusal (over budget)',
    await measure(calls * 10, () => refused.generateText({ prompt: 'x' }).catch(() => undefined)),
  );
} finally {
  await Promise.all([gemini.close(), ollama.close()]);
}

// A primary that hangs: each call waits attemptTimeoutMs before the spare answers, until the
// breaker opens; then the primary is skipped.
async function outage(failureThreshold: number) {
  const dead = await startFakeGeminiServer({ apiKey: 'k', replies: () => ({ hang: true }) });
  const spare = await startFakeOllamaServer({ replies: () => answer });
  try {
    const chain: LlmProvider = fallbackProvider(
      [createGeminiProvider({ apiKey: 'k', baseUrl: dead.url }), createOllamaProvider({ host: spare.url })],
      { attemptTimeoutMs: 250, breaker: { failureThreshold, cooldownMs: 600_000 } },
    );
    const times: number[] = [];
    for (let index = 0; index < 20; index++) {
      const startedAt = performance.now();
      await chain.generateText({ prompt: `anomaly ${index}` });
      times.push(performance.now() - startedAt);
    }
    return { total: times.reduce((sum, time) => sum + time, 0), reachedDead: dead.requests.length };
  } finally {
    await Promise.all([dead.close(), spare.close()]);
  }
}
const withBreaker = await outage(3);
const withoutBreaker = await outage(1_000);

console.log(`| call | p50 ms | p95 ms |\n|---|---|---|\n${rows.join('\n')}\n`);
console.log(
  '| hanging primary (attempt timeout 250 ms), 20 sequential calls | total ms | calls reaching the dead API |',
);
console.log('|---|---|---|');
console.log(
  `| breaker (opens after 3 failures) | ${withBreaker.total.toFixed(0)} | ${withBreaker.reachedDead} |`,
);
console.log(
  `| no breaker (threshold 1000) | ${withoutBreaker.total.toFixed(0)} | ${withoutBreaker.reachedDead} |`,
);
