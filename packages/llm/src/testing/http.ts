import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One HTTP request a fake API server received. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/v1beta/models/gemini-2.5-flash:generateContent`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body parsed as JSON (`undefined` when empty or not JSON). */
  readonly body: unknown;
  /** The body as received. */
  readonly rawBody: string;
}

/** A local HTTP server on 127.0.0.1 with a port chosen by the system. */
export interface LocalServer {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  readonly port: number;
  /**
   * Requests still waiting for their response to finish. A call the client cancels closes its
   * connection, so it stops counting here.
   */
  pendingRequests(): number;
  /** Stops listening and destroys open connections (also hanging ones). Safe to call twice. */
  close(): Promise<void>;
}

export type RequestHandler = (
  request: RecordedRequest,
  response: ServerResponse,
  incoming: IncomingMessage,
) => void | Promise<void>;

/** Starts an HTTP server on 127.0.0.1 that records JSON requests and hands them to `handler`. */
export async function startLocalServer(handler: RequestHandler): Promise<LocalServer> {
  const sockets = new Set<Socket>();
  let pending = 0;
  const server = createServer((incoming, response) => {
    pending++;
    response.once('close', () => pending--);
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (value !== undefined)
          headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      let body: unknown;
      try {
        body = rawBody === '' ? undefined : JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
      const recorded: RecordedRequest = {
        method: incoming.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: Object.fromEntries(url.searchParams),
        headers,
        body,
        rawBody,
      };
      Promise.resolve(handler(recorded, response, incoming)).catch((error: unknown) => {
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(`fake server handler failed: ${String(error)}`);
        } else response.destroy();
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pendingRequests: () => pending,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

/** Writes a JSON response. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

/** Resolves after `ms`, or when the client goes away. */
export function pause(ms: number, response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    response.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A rough token count, as the fake servers report usage: about four characters per token. */
export function fakeTokenCount(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/**
 * The replies of a fake server's model calls: a list played in order (a call past its end gets a
 * 500 naming the call, so a test notices an unexpected extra call) or a function of the request.
 */
export function scriptedReplies<Request, Reply>(
  script: readonly Reply[] | ((request: Request) => Reply) | undefined,
  outOfReplies: (call: number) => Reply,
): { next(request: Request): Reply; append(replies: readonly Reply[]): void } {
  const queue: Reply[] = Array.isArray(script) ? [...script] : [];
  let calls = 0;
  return {
    next(request) {
      calls++;
      return typeof script === 'function' ? script(request) : (queue.shift() ?? outOfReplies(calls));
    },
    append(replies) {
      queue.push(...replies);
    },
  };
}

/** Replies every fake server understands: never answer, or close the connection without an answer. */
export type FaultReply = { readonly hang: true } | { readonly disconnect: true };

/**
 * Plays the fault part of a reply: never answers (`hang`), closes the connection (`disconnect`), or
 * waits `delayMs` first. Returns the reply when there is an answer still to send, `undefined` when
 * the response is done with.
 */
export async function playFault<Reply extends string | object>(
  reply: Reply,
  response: ServerResponse,
): Promise<Exclude<Reply, FaultReply> | undefined> {
  const value: string | object = reply;
  if (typeof value === 'string') return reply as Exclude<Reply, FaultReply>;
  if ('hang' in value) {
    await new Promise<void>((resolve) => response.once('close', () => resolve()));
    return undefined;
  }
  if ('disconnect' in value) {
    response.socket?.destroy();
    return undefined;
  }
  if ('delayMs' in value && typeof value.delayMs === 'number') {
    await pause(value.delayMs, response);
    if (response.destroyed) return undefined;
  }
  return reply as Exclude<Reply, FaultReply>;
}

/**
 * A deterministic unit vector for a text, so equal texts embed equally; `factor` and `modulus`
 * make each fake server's vectors its own.
 */
export function fakeEmbedding(text: string, dimensions: number, factor: number, modulus: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (let index = 0; index < text.length; index++) {
    const slot = index % dimensions;
    vector[slot] = (vector[slot] ?? 0) + ((text.charCodeAt(index) * factor) % modulus) / modulus;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => Number((value / norm).toFixed(6)));
}
