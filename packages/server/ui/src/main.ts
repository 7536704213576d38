import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { type Api, ApiError, createApi, createTokenStore } from './api.js';
import { createAskPanel } from './ask.js';
import { byId, h, replaceChildren } from './dom.js';
import { createFeed } from './feed.js';
import { formatRelative } from './format.js';
import { createHistory } from './history.js';
import { connectLive, type LiveConnection, type LiveState } from './live.js';
import { prometheusProblem, renderStatus } from './status.js';
import { setupTheme } from './theme.js';
import { createTokenDialog } from './token.js';
import type { LiveBatch, ServerStatus, TickSummary } from './types.js';

const STATUS_REFRESH_MS = 30_000;

/** Problems shown in the banner, by key, so each can be cleared on its own. */
function createBanner(element: HTMLElement) {
  const messages = new Map<string, string>();
  const draw = () => {
    element.hidden = messages.size === 0;
    replaceChildren(
      element,
      [...messages.values()].map((message) => h('p', {}, message)),
    );
  };
  return {
    set(key: string, message: string | null) {
      if (message === null) messages.delete(key);
      else messages.set(key, message);
      draw();
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof ApiError || error instanceof Error) return error.message;
  return String(error);
}

function liveLabel(state: LiveState, detail?: string): { text: string; state: string; title: string } {
  switch (state) {
    case 'live':
      return { text: 'Live', state: 'ok', title: 'Receiving anomalies and RCA as they happen' };
    case 'connecting':
      return { text: 'Live: connecting…', state: 'pending', title: 'Connecting to live updates' };
    case 'reconnecting':
      return { text: 'Live: reconnecting…', state: 'warn', title: detail ?? 'Reconnecting to live updates' };
    case 'unauthorized':
      return { text: 'Live: needs API token', state: 'bad', title: detail ?? 'Set the API token' };
    default:
      return { text: 'Live: off', state: 'off', title: 'Live updates stopped' };
  }
}

function start(): void {
  const base = new URL('../', window.location.href);
  const tokens = createTokenStore();
  const dialog = createTokenDialog(tokens);
  const api: Api = createApi({ base, tokens, askToken: (reason) => dialog.ask(reason) });
  const banner = createBanner(byId('banner'));
  const statusList = byId('status');
  const liveState = byId('live-state');
  const tokenButton = byId<HTMLButtonElement>('token-button');

  let status: ServerStatus | null = null;
  let lastTick: TickSummary | null = null;
  let live: LiveConnection | null = null;
  let opens = 0;

  const history = createHistory({
    api,
    list: byId<HTMLOListElement>('history'),
    empty: byId('history-empty'),
    onAsk: (prompt) => void askPanel.ask(prompt),
  });
  const loadHistory = () =>
    history.load().catch((error: unknown) => {
      byId('history-empty').hidden = false;
      byId('history-empty').textContent = `Could not load the prompt history: ${describe(error)}`;
    });

  const askPanel = createAskPanel({ api, onAnswered: () => void loadHistory() });
  setupTheme(byId<HTMLButtonElement>('theme-toggle'), () => askPanel.redraw());

  const feed = createFeed({
    api,
    list: byId<HTMLOListElement>('anomalies'),
    empty: byId('feed-empty'),
    summary: byId('feed-summary'),
    filter: byId<HTMLSelectElement>('feed-filter'),
    onError: (message) => banner.set('feed', message),
  });
  const loadFeed = () =>
    feed.load().then(
      () => banner.set('feed', null),
      (error: unknown) => {
        byId('feed-summary').textContent = `Could not load anomalies: ${describe(error)}`;
      },
    );

  const drawStatus = () => {
    if (status) renderStatus(statusList, status, lastTick);
  };

  const loadStatus = async () => {
    try {
      status = await api.get<ServerStatus>('');
      banner.set('server', null);
      banner.set('prometheus', prometheusProblem(status));
      tokenButton.hidden = !(status.auth?.required ?? false) && tokens.get() === null;
      drawStatus();
    } catch (error) {
      banner.set('server', describe(error));
    }
  };

  const onBatch = (batch: LiveBatch) => {
    let askedElsewhere = false;
    for (const event of batch.events) {
      feed.apply(event);
      if (event.type === 'source:error') {
        banner.set(
          `source:${event.target}`,
          `Cannot collect metrics from target ${event.target}: ${event.error}`,
        );
      } else if (event.type === 'source:recovered') {
        banner.set(`source:${event.target}`, null);
      } else if (event.type === 'chat:answered') {
        askedElsewhere = true;
      }
    }
    if (batch.tick) {
      lastTick = batch.tick;
      drawStatus();
    }
    if (askedElsewhere) void loadHistory();
  };

  const connect = () => {
    live?.close();
    const url = new URL('ws', base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    live = connectLive({
      url,
      token: () => tokens.get(),
      onBatch,
      onState: (state, detail) => {
        const label = liveLabel(state, detail);
        liveState.textContent = label.text;
        liveState.dataset['state'] = label.state;
        liveState.title = label.title;
      },
      onOpen: () => {
        // After a reconnection, catch up on what happened while the connection was down.
        if (opens++ > 0) void loadFeed();
      },
      isUnauthorized: async () => {
        await loadStatus();
        if (!(status?.auth?.required ?? false) || tokens.get() !== null) return false;
        if (await api.requestToken('required')) {
          queueMicrotask(() => live?.reconnect());
        }
        return true;
      },
    });
  };

  byId<HTMLButtonElement>('history-refresh').addEventListener('click', () => void loadHistory());

  tokenButton.addEventListener('click', async () => {
    const token = await dialog.ask('change');
    if (token) tokens.set(token);
    tokenButton.hidden = !(status?.auth?.required ?? false) && tokens.get() === null;
    live?.reconnect();
    void loadFeed();
    void loadHistory();
  });

  document.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement | null;
    const typing = target?.closest('input, textarea, select, [contenteditable]') !== null;
    if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      askPanel.focus();
    }
  });

  window.setInterval(() => {
    for (const time of document.querySelectorAll<HTMLTimeElement>('time[datetime]')) {
      time.textContent = formatRelative(Date.parse(time.dateTime));
    }
    drawStatus();
  }, 30_000);
  window.setInterval(() => void loadStatus(), STATUS_REFRESH_MS);

  void (async () => {
    await loadStatus();
    connect();
    void loadFeed();
    void loadHistory();
    try {
      const suggestions = await api.get<{ suggestions: string[] }>('api/suggestions', {
        prompt: '',
        limit: 6,
      });
      askPanel.showStarters(suggestions.suggestions);
    } catch {
      askPanel.showStarters([]);
    }
  })();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
