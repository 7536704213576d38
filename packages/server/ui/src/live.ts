import type { LiveBatch } from './types.js';

/** State of the live connection, shown in the header. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized' | 'stopped';

/** Options of {@link connectLive}. */
export interface LiveOptions {
  /** URL of the WebSocket endpoint (`ws://host/ws`). */
  readonly url: URL;
  /** The API token to present, if any. */
  readonly token: () => string | null;
  readonly onBatch: (batch: LiveBatch) => void;
  readonly onState: (state: LiveState, detail?: string) => void;
  /**
   * Called when the socket closed before opening: resolves to true when the cause is a missing
   * or refused token (the connection then waits for {@link LiveConnection.reconnect}).
   */
  readonly isUnauthorized: () => Promise<boolean>;
  /** Called after every (re)connection, to catch up on what was missed. */
  readonly onOpen?: () => void;
}

/** The live connection. */
export interface LiveConnection {
  /** Connects again now (after a new token, for example). */
  reconnect(): void;
  close(): void;
}

/** Characters a WebSocket subprotocol may contain. */
const protocolToken = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Keeps a WebSocket to the server's live updates open: presents the token as the `bearer.<token>`
 * subprotocol (or `?token=` when it has characters a subprotocol cannot carry), reconnects with
 * backoff, and sends a ping now and then so proxies keep it open.
 */
export function connectLive(options: LiveOptions): LiveConnection {
  let socket: WebSocket | null = null;
  let retryTimer: number | undefined;
  let pingTimer: number | undefined;
  let attempts = 0;
  let stopped = false;

  const clearTimers = () => {
    window.clearTimeout(retryTimer);
    window.clearInterval(pingTimer);
  };

  const open = () => {
    clearTimers();
    if (stopped) return;
    const url = new URL(options.url);
    const protocols = ['promptheus'];
    const token = options.token();
    if (token) {
      if (protocolToken.test(token)) protocols.push(`bearer.${token}`);
      else url.searchParams.set('token', token);
    }
    options.onState(attempts === 0 ? 'connecting' : 'reconnecting');
    let opened = false;
    const current = new WebSocket(url, protocols);
    socket = current;
    current.addEventListener('open', () => {
      opened = true;
      attempts = 0;
      options.onState('live');
      options.onOpen?.();
      pingTimer = window.setInterval(() => {
        if (current.readyState === WebSocket.OPEN) current.send('{"type":"ping"}');
      }, 25_000);
    });
    current.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (
        typeof message === 'object' &&
        message !== null &&
        (message as { type?: unknown }).type === 'batch'
      ) {
        options.onBatch(message as LiveBatch);
      }
    });
    current.addEventListener('close', async () => {
      if (socket !== current) return;
      socket = null;
      clearTimers();
      if (stopped) return;
      const unauthorized = !opened && (await options.isUnauthorized());
      // A reconnection (after a new token) may have started while waiting.
      if (stopped || socket !== null) return;
      if (unauthorized) {
        options.onState('unauthorized', 'Live updates need the API token');
        return;
      }
      attempts++;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempts - 1, 5)) * (0.8 + Math.random() * 0.4);
      const hint = !opened && options.token() !== null && attempts >= 3 ? ' (check the API token)' : '';
      options.onState(
        'reconnecting',
        `Live updates interrupted; retrying in ${Math.round(delay / 1000)} s${hint}`,
      );
      retryTimer = window.setTimeout(open, delay);
    });
  };

  open();
  return {
    reconnect() {
      attempts = 0;
      const previous = socket;
      socket = null;
      previous?.close();
      open();
    },
    close() {
      stopped = true;
      clearTimers();
      socket?.close();
      socket = null;
      options.onState('stopped');
    },
  };
}
