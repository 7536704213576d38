import { toGrafanaPanel } from '@promptheus/core';
import { type Api, ApiError } from './api.js';
import { describeData, type RenderedChart, renderChart } from './charts.js';
import { normalizeData } from './data.js';
import { byId, h, replaceChildren } from './dom.js';
import { formatLatency } from './format.js';
import type { ChartData, ChartLayout, ChatAnswer } from './types.js';

/** Options of {@link createAskPanel}. */
export interface AskPanelOptions {
  readonly api: Api;
  /** Called after every answer (the history panel reloads). */
  readonly onAnswered: () => void;
}

/** The ask panel: question box, editable PromQL, chart, answer, follow-ups and Grafana export. */
export interface AskPanel {
  /** Asks a question (or runs PromQL) as if typed in the box. */
  ask(question: string): Promise<void>;
  /** Shows the starter questions. */
  showStarters(questions: readonly string[]): void;
  /** Redraws the chart (after a theme change). */
  redraw(): void;
  focus(): void;
}

function normalizeSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Wires the ask panel of the page. */
export function createAskPanel(options: AskPanelOptions): AskPanel {
  const { api } = options;
  const form = byId<HTMLFormElement>('ask-form');
  const question = byId<HTMLInputElement>('question');
  const askButton = byId<HTMLButtonElement>('ask-button');
  const starters = byId('starters');
  const errorBox = byId('ask-error');
  const result = byId('result');
  const title = byId('result-title');
  const meta = byId('result-meta');
  const promqlForm = byId<HTMLFormElement>('promql-form');
  const promql = byId<HTMLTextAreaElement>('promql');
  const explanation = byId('promql-explanation');
  const closest = byId('closest');
  const runButton = byId<HTMLButtonElement>('run-button');
  const chartBox = byId('chart');
  const chartDescription = byId('chart-description');
  const warnings = byId('warnings');
  const answer = byId('answer');
  const followups = byId('followups');
  const grafanaButton = byId<HTMLButtonElement>('grafana-button');
  const grafanaState = byId('grafana-state');
  const grafanaDetails = byId<HTMLDetailsElement>('grafana-details');
  const grafanaJson = byId<HTMLTextAreaElement>('grafana-json');

  let sessionId: string | null = null;
  let chart: RenderedChart | null = null;
  let current: {
    readonly layout: ChartLayout | null;
    readonly data: ChartData;
    readonly answer: ChatAnswer;
  } | null = null;
  let pending: AbortController | null = null;

  const setBusy = (busy: boolean, label: string) => {
    askButton.disabled = busy;
    runButton.disabled = busy;
    askButton.textContent = busy && label === 'ask' ? 'Asking…' : 'Ask';
    runButton.textContent = busy && label === 'run' ? 'Running…' : 'Run query';
    result.setAttribute('aria-busy', String(busy));
  };

  const showError = (message: string | null) => {
    errorBox.hidden = message === null;
    errorBox.textContent = message ?? '';
  };

  const chips = (container: HTMLElement, questions: readonly string[]) => {
    replaceChildren(
      container,
      questions.map((text) =>
        h(
          'li',
          {},
          h('button', { type: 'button', class: 'chip', onclick: () => void panel.ask(text) }, text),
        ),
      ),
    );
  };

  const drawChart = () => {
    chart?.destroy();
    chart = null;
    if (!current) return;
    if (current.answer.promql === null) {
      chartBox.replaceChildren();
      chartBox.hidden = true;
      return;
    }
    chartBox.hidden = false;
    chart = renderChart(chartBox, current.layout, current.data);
    chartDescription.textContent = describeData(current.layout, current.data);
  };

  const show = (response: ChatAnswer, sent: string, asPromql: boolean) => {
    const layout = response.layout && typeof response.layout === 'object' ? response.layout : null;
    current = { layout, data: normalizeData(response.data), answer: response };
    result.hidden = false;
    title.textContent = layout?.title ?? (response.promql ? 'Result' : 'No query for this question');
    const details = [
      response.translator && response.promql !== null
        ? `query by ${
            response.translator === 'user'
              ? 'you'
              : response.translator === 'offline'
                ? 'the offline translator'
                : response.translator
          }`
        : null,
      response.intent ? `intent: ${response.intent}` : null,
      response.usage && response.usage.totalTokens > 0 ? `${response.usage.totalTokens} tokens` : null,
    ].filter((part) => part !== null);
    meta.textContent = details.join(' · ');
    promql.value = response.promql ?? (asPromql ? sent : '');
    explanation.textContent = response.explanation ?? '';
    const notes = [...new Set([...current.data.warnings, ...(response.warnings ?? [])])];
    if (asPromql && response.promql !== null && normalizeSpace(response.promql) !== normalizeSpace(sent)) {
      notes.unshift(
        'The server did not run this PromQL as written (it read it as a question); the query shown is the one it ran.',
      );
    }
    if (asPromql && response.promql === null) {
      notes.unshift('The server did not accept this PromQL; check the syntax and the metric names.');
    }
    if (current.data.truncated) notes.push('Only the first series are shown.');
    const problem = errorMessage(response.error);
    if (problem && !response.answer.includes(problem)) notes.unshift(problem);
    warnings.hidden = notes.length === 0;
    replaceChildren(
      warnings,
      notes.map((note) => h('li', {}, note)),
    );
    answer.textContent = response.answer;
    const near = response.promql === null ? (response.closest ?? []) : [];
    closest.hidden = near.length === 0;
    replaceChildren(
      closest,
      near.length > 0 ? 'Closest metrics: ' : null,
      near.flatMap((name, index) => [index > 0 ? ', ' : null, h('code', {}, name)]),
    );
    chips(followups, response.followups);
    byId('followups-title').hidden = response.followups.length === 0;
    grafanaButton.disabled = layout === null || response.promql === null;
    grafanaState.textContent = '';
    grafanaDetails.hidden = true;
    drawChart();
  };

  const send = async (text: string, mode: 'ask' | 'run') => {
    const trimmed = text.trim();
    if (trimmed === '') return;
    pending?.abort();
    const controller = new AbortController();
    pending = controller;
    setBusy(true, mode);
    showError(null);
    const started = performance.now();
    try {
      const response = await api.post<ChatAnswer>('api/chat', {
        prompt: trimmed,
        ...(sessionId ? { session_id: sessionId } : {}),
      });
      if (controller.signal.aborted) return;
      sessionId = response.session_id ?? sessionId;
      show(response, trimmed, mode === 'run');
      meta.textContent = [meta.textContent, formatLatency(performance.now() - started)]
        .filter(Boolean)
        .join(' · ');
      options.onAnswered();
    } catch (error) {
      if (controller.signal.aborted) return;
      showError(describeAskError(error));
    } finally {
      if (pending === controller) {
        pending = null;
        setBusy(false, mode);
      }
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void send(question.value, 'ask');
  });
  promqlForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void send(promql.value, 'run');
  });
  promql.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      promqlForm.requestSubmit();
    }
  });

  grafanaButton.addEventListener('click', async () => {
    if (!current?.layout) return;
    const panelJson = JSON.stringify(
      current.answer.grafana ?? toGrafanaPanel(current.layout as Parameters<typeof toGrafanaPanel>[0]),
      null,
      2,
    );
    grafanaJson.value = panelJson;
    try {
      await navigator.clipboard.writeText(panelJson);
      grafanaState.textContent = 'Copied. In Grafana: Add → Visualization → Panel JSON, then paste.';
    } catch {
      grafanaDetails.hidden = false;
      grafanaDetails.open = true;
      grafanaJson.focus();
      grafanaJson.select();
      grafanaState.textContent =
        'The browser blocked the clipboard: the JSON is selected below, copy it with Ctrl+C.';
    }
  });

  const panel: AskPanel = {
    async ask(text) {
      question.value = text;
      await send(text, 'ask');
    },
    showStarters(questions) {
      chips(starters, questions);
    },
    redraw: drawChart,
    focus() {
      question.focus();
      question.select();
    },
  };
  return panel;
}

/** The message of the `error` a chat answer carries, if any. */
function errorMessage(error: unknown): string | null {
  if (typeof error === 'string') return error || null;
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string' && message !== '') return message;
  }
  return null;
}

/** The sentence shown for a failed question. */
export function describeAskError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'rate_limited') return `${error.message}.`;
    if (error.status === 503 && error.code === 'config') return error.message;
    if (error.status === 401) return 'The server refused the API token; set it with the “API token” button.';
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
