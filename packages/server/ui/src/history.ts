import type { Api } from './api.js';
import { h, replaceChildren, timeElement } from './dom.js';
import { formatDateTime, formatLatency, formatRelative } from './format.js';
import type { Page, PromptHistoryEntry } from './types.js';

/** Options of {@link createHistory}. */
export interface HistoryOptions {
  readonly api: Api;
  readonly list: HTMLOListElement;
  readonly empty: HTMLElement;
  /** Asks a question from the history again. */
  readonly onAsk: (prompt: string) => void;
}

/** The prompt history panel (`GET /api/prompts`). */
export function createHistory(options: HistoryOptions) {
  const { api, list, empty } = options;

  const render = (entries: readonly PromptHistoryEntry[]) => {
    empty.hidden = entries.length > 0;
    empty.textContent = 'No questions asked yet.';
    replaceChildren(
      list,
      entries.map((entry) =>
        h(
          'li',
          { 'data-success': String(entry.success) },
          h(
            'button',
            {
              type: 'button',
              class: 'link',
              title: 'Ask this again',
              onclick: () => options.onAsk(entry.prompt),
            },
            entry.prompt,
          ),
          entry.promql ? h('code', { class: 'promql-inline' }, entry.promql) : null,
          h(
            'p',
            { class: 'meta' },
            h(
              'span',
              { class: 'status-badge', 'data-status': entry.success ? 'ok' : 'failed' },
              entry.success ? 'answered' : 'no answer',
            ),
            ` ${entry.translator ?? 'offline'} · ${formatLatency(entry.latencyMs)} · `,
            timeElement(entry.createdAt, formatRelative(entry.createdAt), formatDateTime(entry.createdAt)),
            !entry.success && entry.error ? h('span', { class: 'history-error' }, ` · ${entry.error}`) : null,
          ),
        ),
      ),
    );
  };

  return {
    async load(): Promise<void> {
      const page = await api.get<Page<PromptHistoryEntry>>('api/prompts', { limit: 20 });
      render(page.items);
    },
  };
}
