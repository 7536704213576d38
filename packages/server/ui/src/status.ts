import { h, replaceChildren } from './dom.js';
import { formatLatency, formatRelative } from './format.js';
import type { ServerStatus, TickSummary } from './types.js';

/** How a status pill looks: ok (green), warn (amber), bad (red), off (grey). */
type PillState = 'ok' | 'warn' | 'bad' | 'off';

function pill(label: string, value: string, state: PillState, title = ''): HTMLLIElement {
  return h(
    'li',
    { class: 'pill', 'data-state': state, title: title || `${label}: ${value}` },
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    h('span', { class: 'pill-label' }, `${label}: `),
    value,
  );
}

/** The sentence shown when Prometheus does not answer. */
export function prometheusProblem(status: ServerStatus): string | null {
  const prometheus = status.prometheus;
  if (!prometheus || prometheus.reachable) return null;
  if (prometheus.error === 'not configured') {
    return 'No Prometheus configured: set PROMETHEUS_URL and restart the server.';
  }
  const error = prometheus.error ?? '';
  // The client's errors usually name the URL already.
  const where = prometheus.url && !error.includes(prometheus.url) ? ` at ${prometheus.url}` : '';
  return `Prometheus unreachable${where}${error ? `: ${error}` : ''}`;
}

function describeTick(tick: TickSummary | null | undefined): string {
  if (!tick) return 'no tick yet';
  return `last tick ${formatRelative(tick.startedAt + tick.durationMs)} (${formatLatency(tick.durationMs)})`;
}

/**
 * Draws the status line of `GET /`: Prometheus, LLM, store, notifiers and monitor, each with a
 * coloured dot and a text (the colour is never the only signal).
 */
export function renderStatus(list: HTMLElement, status: ServerStatus, lastTick: TickSummary | null): void {
  const items: HTMLLIElement[] = [];
  const prometheus = status.prometheus;
  if (!prometheus) items.push(pill('Prometheus', 'not configured', 'bad'));
  else if (prometheus.reachable) {
    items.push(
      pill(
        'Prometheus',
        prometheus.version ? `up (${prometheus.version})` : 'up',
        'ok',
        `Prometheus at ${prometheus.url ?? 'the configured URL'} answers`,
      ),
    );
  } else items.push(pill('Prometheus', 'unreachable', 'bad', prometheusProblem(status) ?? ''));

  const llm = status.llm;
  items.push(
    llm.mode === 'llm'
      ? pill('LLM', `${llm.provider ?? 'llm'}${llm.model ? ` · ${llm.model}` : ''}`, 'ok')
      : pill(
          'LLM',
          'offline translator',
          'off',
          'No LLM configured: questions use the offline translator and RCA the fallback',
        ),
  );
  items.push(pill('Store', status.store.kind, 'ok'));

  const channels = Object.entries(status.notifiers);
  const active = channels
    .filter(([, notifier]) => notifier.enabled && notifier.configured)
    .map(([name]) => name);
  const detail = channels
    .map(
      ([name, notifier]) =>
        `${name}: ${notifier.enabled && notifier.configured ? 'on' : (notifier.detail ?? 'off')}`,
    )
    .join('\n');
  items.push(
    pill(
      'Notifiers',
      active.length > 0 ? active.join(', ') : 'none',
      active.length > 0 ? 'ok' : 'off',
      detail,
    ),
  );

  const monitor = status.monitor;
  const tick = lastTick ?? monitor.lastTick;
  if (!monitor.enabled) items.push(pill('Monitor', 'off', 'off'));
  else {
    const every = monitor.intervalSeconds ? `every ${monitor.intervalSeconds} s, ` : '';
    const failing = tick && tick.errors.length > 0;
    items.push(
      pill(
        'Monitor',
        monitor.running ? `${every}${describeTick(tick)}` : 'stopped',
        !monitor.running ? 'warn' : failing ? 'warn' : 'ok',
        failing ? tick.errors.map((error) => `${error.target}: ${error.error}`).join('\n') : '',
      ),
    );
  }
  replaceChildren(list, items);
}
