import { type Api, ApiError } from './api.js';
import { h, replaceChildren, timeElement } from './dom.js';
import { formatDateTime, formatLabels, formatRelative, formatValue } from './format.js';
import type { Anomaly, AnomalyWithRca, LiveEvent, Page, Rca } from './types.js';

/** How long the feed looks back. */
export const FEED_WINDOW_MS = 24 * 3600 * 1000;
const MAX_ITEMS = 100;

type Filter = 'all' | 'firing' | 'resolved';

interface Entry {
  anomaly: Anomaly;
  rca: Rca | null;
  /** When a silence created here ends. */
  silencedUntil: number | null;
  /** Silence duration picked in the list. */
  duration: string;
  /** Set while an action runs or after it failed. */
  busy: boolean;
  error: string | null;
  element: HTMLLIElement;
}

/** Options of {@link createFeed}. */
export interface FeedOptions {
  readonly api: Api;
  readonly list: HTMLOListElement;
  readonly empty: HTMLElement;
  readonly summary: HTMLElement;
  readonly filter: HTMLSelectElement;
  /** Reports a failure that is not tied to one anomaly. */
  readonly onError: (message: string) => void;
}

/** The live anomaly feed. */
export interface Feed {
  /** Loads the last 24 h from `GET /anomalies` (again after a reconnection). */
  load(): Promise<void>;
  /** Applies one live update. */
  apply(event: LiveEvent): void;
}

function describeRca(rca: Rca | null, anomaly: Anomaly): HTMLElement {
  if (!rca) {
    return h(
      'p',
      { class: 'rca-pending' },
      anomaly.status === 'firing' ? 'Root-cause analysis in progress…' : 'No root-cause analysis was stored.',
    );
  }
  const badge =
    rca.source === 'llm'
      ? h(
          'span',
          {
            class: 'badge',
            'data-source': 'llm',
            title: `Written by ${rca.provider ?? 'the LLM'} ${rca.model ?? ''}`.trim(),
          },
          `LLM${rca.provider ? ` · ${rca.provider}` : ''}`,
        )
      : h(
          'span',
          {
            class: 'badge',
            'data-source': 'fallback',
            title: `Built from the detector's evidence${rca.fallbackReason ? ` (${rca.fallbackReason})` : ''}`,
          },
          'Fallback',
        );
  return h(
    'section',
    { class: 'rca', 'aria-label': 'Root-cause analysis' },
    h('p', { class: 'rca-summary' }, badge, ' ', rca.summary),
    h(
      'dl',
      {},
      h('dt', {}, 'In plain words'),
      h('dd', {}, rca.simplified),
      h('dt', {}, 'Likely cause'),
      h('dd', {}, rca.cause),
      h('dt', {}, 'Suggested fix'),
      h('dd', {}, rca.fix),
    ),
    rca.source === 'fallback' && rca.fallbackReason
      ? h('p', { class: 'meta' }, `Fallback because: ${rca.fallbackReason}`)
      : null,
  );
}

/** Creates the feed; anomalies arrive from {@link Feed.load} and live events. */
export function createFeed(options: FeedOptions): Feed {
  const { api, list, empty, summary } = options;
  const entries = new Map<string, Entry>();
  let loaded = false;

  const visible = (entry: Entry, filter: Filter) => filter === 'all' || entry.anomaly.status === filter;

  const order = (a: Entry, b: Entry) => {
    if (a.anomaly.status !== b.anomaly.status) return a.anomaly.status === 'firing' ? -1 : 1;
    return b.anomaly.startsAt - a.anomaly.startsAt;
  };

  const action = async (entry: Entry, run: () => Promise<void>) => {
    entry.busy = true;
    entry.error = null;
    draw(entry);
    try {
      await run();
    } catch (error) {
      entry.error = error instanceof ApiError ? error.message : String(error);
    } finally {
      entry.busy = false;
      draw(entry);
    }
  };

  const acknowledge = (entry: Entry) =>
    action(entry, async () => {
      const id = encodeURIComponent(entry.anomaly.id);
      const result =
        entry.anomaly.acknowledgedAt === null
          ? await api.post<{ anomaly: Anomaly }>(`anomalies/${id}/ack`)
          : await api.delete<{ anomaly: Anomaly }>(`anomalies/${id}/ack`);
      entry.anomaly = result.anomaly;
    });

  const silence = (entry: Entry, duration: string) =>
    action(entry, async () => {
      const result = await api.post<{ silence: { endsAt: number } }>(
        `anomalies/${encodeURIComponent(entry.anomaly.id)}/silence`,
        { duration, comment: 'Silenced from the dashboard' },
      );
      entry.silencedUntil = result.silence.endsAt;
    });

  const draw = (entry: Entry) => {
    const { anomaly, rca } = entry;
    const focusedAction =
      entry.element.contains(document.activeElement) && document.activeElement instanceof HTMLElement
        ? document.activeElement.dataset['action']
        : undefined;
    const acknowledged = anomaly.acknowledgedAt !== null;
    const durationSelect = h(
      'select',
      {
        'aria-label': `Silence duration for ${anomaly.metric}`,
        'data-action': 'duration',
        disabled: entry.busy,
        onchange: (event: Event) => {
          entry.duration = (event.target as HTMLSelectElement).value;
        },
      },
      h('option', { value: '1h' }, '1 h'),
      h('option', { value: '4h' }, '4 h'),
      h('option', { value: '24h' }, '24 h'),
      h('option', { value: '7d' }, '7 days'),
    );
    durationSelect.value = entry.duration;
    const labels = formatLabels(anomaly.labels);
    entry.element.dataset['severity'] = anomaly.severity;
    entry.element.dataset['status'] = anomaly.status;
    entry.element.dataset['id'] = anomaly.id;
    replaceChildren(
      entry.element,
      h(
        'article',
        { 'aria-label': `${anomaly.severity} anomaly on ${anomaly.metric}, ${anomaly.status}` },
        h(
          'header',
          {},
          h('span', { class: 'severity', 'data-severity': anomaly.severity }, anomaly.severity),
          h(
            'span',
            { class: 'status-badge', 'data-status': anomaly.status },
            anomaly.status === 'firing' ? 'firing' : 'resolved',
          ),
          acknowledged
            ? h('span', { class: 'status-badge', 'data-status': 'acknowledged' }, 'acknowledged')
            : null,
          h('h3', {}, anomaly.metric, h('span', { class: 'labels' }, labels)),
        ),
        h('p', { class: 'reason' }, anomaly.reason),
        h(
          'p',
          { class: 'meta' },
          `value ${formatValue(anomaly.value)} · ${anomaly.detector} · target ${anomaly.target} · started `,
          timeElement(anomaly.startsAt, formatRelative(anomaly.startsAt), formatDateTime(anomaly.startsAt)),
          anomaly.endsAt !== null
            ? [
                ' · resolved ',
                timeElement(anomaly.endsAt, formatRelative(anomaly.endsAt), formatDateTime(anomaly.endsAt)),
              ]
            : null,
        ),
        describeRca(rca, anomaly),
        h(
          'div',
          { class: 'row actions' },
          h(
            'button',
            {
              type: 'button',
              'data-action': 'ack',
              disabled: entry.busy,
              'aria-pressed': String(acknowledged),
              onclick: () => void acknowledge(entry),
            },
            acknowledged ? 'Unacknowledge' : 'Acknowledge',
          ),
          durationSelect,
          h(
            'button',
            {
              type: 'button',
              'data-action': 'silence',
              disabled: entry.busy,
              onclick: () => void silence(entry, entry.duration),
            },
            'Silence',
          ),
          entry.silencedUntil !== null
            ? h(
                'span',
                { class: 'meta', role: 'status' },
                `Silenced until ${formatDateTime(entry.silencedUntil)}`,
              )
            : null,
          entry.error ? h('span', { class: 'error-inline', role: 'alert' }, entry.error) : null,
        ),
      ),
    );
    if (focusedAction) {
      entry.element.querySelector<HTMLElement>(`[data-action="${focusedAction}"]`)?.focus();
    }
  };

  const layout = () => {
    const filter = options.filter.value as Filter;
    const sorted = [...entries.values()].sort(order);
    for (const entry of sorted.slice(MAX_ITEMS)) {
      entries.delete(entry.anomaly.id);
      entry.element.remove();
    }
    const shown = sorted.slice(0, MAX_ITEMS).filter((entry) => visible(entry, filter));
    // Re-append in order; moving an element keeps its state.
    let previous: Element | null = null;
    for (const entry of shown) {
      const expected: Element | null = previous ? previous.nextElementSibling : list.firstElementChild;
      if (expected !== entry.element) {
        if (previous) previous.after(entry.element);
        else list.prepend(entry.element);
      }
      previous = entry.element;
    }
    for (const entry of sorted) if (!visible(entry, filter)) entry.element.remove();
    const firing = sorted.filter((entry) => entry.anomaly.status === 'firing').length;
    empty.hidden = shown.length > 0 || !loaded;
    empty.textContent =
      entries.size === 0
        ? 'No anomalies in the last 24 h.'
        : filter === 'firing'
          ? 'Nothing is firing right now.'
          : 'No resolved anomalies in the last 24 h.';
    summary.textContent = loaded
      ? `${firing} firing · ${sorted.length - firing} resolved in the last 24 h`
      : 'Loading anomalies…';
  };

  const upsert = (anomaly: Anomaly, rca?: Rca | null) => {
    let entry = entries.get(anomaly.id);
    if (!entry) {
      entry = {
        anomaly,
        rca: rca ?? null,
        silencedUntil: null,
        duration: '1h',
        busy: false,
        error: null,
        element: h('li', { class: 'anomaly' }),
      };
      entries.set(anomaly.id, entry);
    } else {
      if (anomaly.updatedAt >= entry.anomaly.updatedAt) entry.anomaly = anomaly;
      if (rca) entry.rca = rca;
    }
    draw(entry);
    return entry;
  };

  options.filter.addEventListener('change', layout);

  const fetchAnomaly = async (id: string, rca: Rca) => {
    try {
      const result = await api.get<{ anomaly: Anomaly; rca: Rca | null }>(
        `anomalies/${encodeURIComponent(id)}`,
      );
      upsert(result.anomaly, result.rca ?? rca);
      layout();
    } catch (error) {
      options.onError(error instanceof Error ? error.message : String(error));
    }
  };

  return {
    async load() {
      const since = Date.now() - FEED_WINDOW_MS;
      const page = await api.get<Page<AnomalyWithRca>>('anomalies', {
        since,
        limit: MAX_ITEMS,
        include: 'rca',
      });
      const firingPage = await api.get<Page<AnomalyWithRca>>('anomalies', {
        status: 'firing',
        limit: MAX_ITEMS,
        include: 'rca',
      });
      for (const item of [...firingPage.items, ...page.items]) {
        const { rca, ...anomaly } = item;
        upsert(anomaly, rca ?? null);
      }
      loaded = true;
      layout();
    },
    apply(event) {
      switch (event.type) {
        case 'anomaly:fired':
        case 'anomaly:resolved':
          upsert(event.anomaly);
          layout();
          break;
        case 'rca:ready': {
          const entry = entries.get(event.anomalyId);
          if (entry) {
            entry.rca = event.rca;
            draw(entry);
          } else void fetchAnomaly(event.anomalyId, event.rca);
          break;
        }
        default:
          break;
      }
    },
  };
}
