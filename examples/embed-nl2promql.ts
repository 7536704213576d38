/**
 * Ask a Prometheus a question in plain language from a script: no server, no LLM needed.
 *
 *   PROMETHEUS_URL=http://localhost:9090 pnpm tsx examples/embed-nl2promql.ts "show CPU usage for server1"
 *
 * With GEMINI_API_KEY set, questions the offline translator is unsure about go to Gemini, and
 * every query it proposes is still validated against the catalog before it runs.
 * `--grafana` prints the chart as a Grafana panel (Dashboards → Import takes `--dashboard`).
 */
import {
  createAsk,
  createPrometheusClient,
  type LlmProvider,
  toGrafanaDashboard,
  toGrafanaPanel,
} from '@promptheus/core';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const question = args.filter((arg) => !arg.startsWith('--')).join(' ');
  if (!question) {
    process.stderr.write(
      'usage: PROMETHEUS_URL=http://localhost:9090 tsx examples/embed-nl2promql.ts "your question"\n',
    );
    process.exitCode = 2;
    return;
  }
  const url = process.env['PROMETHEUS_URL'] ?? process.env['PROM_URL'] ?? 'http://localhost:9090';
  let llm: LlmProvider | null = null;
  if (process.env['GEMINI_API_KEY']) {
    const { createGeminiProvider } = await import('@promptheus/llm');
    llm = createGeminiProvider({});
  }
  const assistant = createAsk({ prometheus: createPrometheusClient({ url }), llm });
  try {
    const result = await assistant.ask(question);
    if (args.includes('--dashboard') && result.layout) {
      process.stdout.write(
        `${JSON.stringify(toGrafanaDashboard([result.layout], { title: question }), null, 2)}\n`,
      );
      return;
    }
    if (args.includes('--grafana') && result.layout) {
      process.stdout.write(`${JSON.stringify(toGrafanaPanel(result.layout), null, 2)}\n`);
      return;
    }
    process.stdout.write(`PromQL:     ${result.promql ?? '(none)'}\n`);
    process.stdout.write(`Translator: ${result.translator ?? '-'}\n`);
    if (result.reason && !result.promql) process.stdout.write(`Why:        ${result.reason}\n`);
    process.stdout.write(`Answer:     ${result.answer}\n`);
    for (const series of result.data?.series.slice(0, 10) ?? []) {
      const labels = Object.entries(series.labels)
        .map(([name, value]) => `${name}="${value}"`)
        .join(', ');
      process.stdout.write(`  {${labels}} ${series.value}\n`);
    }
    if (result.layout)
      process.stdout.write(
        `Chart:      ${result.layout.type} "${result.layout.title}" (${result.layout.unit || 'no unit'})\n`,
      );
    process.stdout.write(`Next:       ${result.followups.join(' | ')}\n`);
  } finally {
    assistant.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
