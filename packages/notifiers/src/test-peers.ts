/**
 * Real peers for the notifier tests: an SMTP server (the `smtp-server` package) that keeps and
 * parses what it receives, and an HTTP receiver standing in for Slack or a webhook endpoint.
 * Both listen on 127.0.0.1 with a port chosen by the system.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';

/** One message the SMTP server accepted, with the parts the tests look at decoded. */
export interface ReceivedMail {
  readonly envelopeFrom: string;
  readonly envelopeTo: readonly string[];
  readonly raw: string;
  /** Header names lowercased; values unfolded but not decoded. */
  readonly headers: ReadonlyMap<string, string>;
  /** Every header line as received (unfolded), in order, for injection checks. */
  readonly headerLines: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** An SMTP reply the server gives instead of accepting: `code` 4xx or 5xx. */
export interface SmtpRefusal {
  readonly code: number;
  readonly message: string;
}

export interface SmtpPeerOptions {
  /** Decides per RCPT TO whether to refuse (return a refusal) or accept (return undefined). */
  readonly onRcptTo?: (address: string, session: SMTPServerSession) => SmtpRefusal | undefined;
  /** Decides per message, after DATA, whether to refuse it. */
  readonly onData?: (mail: ReceivedMail) => SmtpRefusal | undefined;
  /** When set, the server requires this login (AUTH PLAIN/LOGIN over plain text, loopback only). */
  readonly auth?: { readonly user: string; readonly password: string };
}

export interface SmtpPeer {
  readonly host: string;
  readonly port: number;
  /** Messages accepted so far, oldest first. */
  readonly messages: ReceivedMail[];
  /** Number of RCPT TO / DATA commands the server saw (refused ones included). */
  readonly counts: { rcptTo: number; data: number };
  close(): Promise<void>;
}

function refusal(reply: SmtpRefusal): Error {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

/** Starts an SMTP server on 127.0.0.1 that accepts plain-text sessions and keeps every message. */
export async function startSmtpPeer(options: SmtpPeerOptions = {}): Promise<SmtpPeer> {
  const messages: ReceivedMail[] = [];
  const counts = { rcptTo: 0, data: 0 };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.password) {
        callback(null, { user: auth.username });
        return;
      }
      callback(refusal({ code: 535, message: '5.7.8 Authentication credentials invalid' }));
    },
    onRcptTo(address: SMTPServerAddress, session, callback) {
      counts.rcptTo++;
      const reply = options.onRcptTo?.(address.address, session);
      callback(reply ? refusal(reply) : null);
    },
    onData(stream, session, callback) {
      counts.data++;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mail = parseMail(
          raw,
          session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          session.envelope.rcptTo.map((recipient) => recipient.address),
        );
        const reply = options.onData?.(mail);
        if (reply) {
          callback(refusal(reply));
          return;
        }
        messages.push(mail);
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port: address.port,
    messages,
    counts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function unfoldHeaders(block: string): string[] {
  return block
    .split(/\r?\n(?=[ \t])/)
    .join('')
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
}

function headerMap(lines: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!map.has(name)) map.set(name, line.slice(colon + 1).trim());
  }
  return map;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const source = text.replace(/=\r?\n/g, '');
  for (let index = 0; index < source.length; index++) {
    const character = source[index] as string;
    const hex = source.slice(index + 1, index + 3);
    if (character === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      index += 2;
    } else {
      bytes.push(...Buffer.from(character, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '').toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`) in a header value. */
export function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_match, _charset: string, kind: string, text: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

function splitMessage(raw: string): { headerLines: string[]; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  if (!match) return { headerLines: unfoldHeaders(raw), body: '' };
  return {
    headerLines: unfoldHeaders(raw.slice(0, match.index)),
    body: raw.slice(match.index + match[0].length),
  };
}

function collectParts(raw: string, found: { text: string; html: string }): void {
  const { headerLines, body } = splitMessage(raw);
  const headers = headerMap(headerLines);
  const contentType = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (/^multipart\//i.test(contentType) && boundary) {
    const pieces = body.split(`--${boundary}`);
    for (const piece of pieces.slice(1)) {
      if (piece.startsWith('--')) break;
      collectParts(piece.replace(/^\r?\n/, ''), found);
    }
    return;
  }
  const decoded = decodeBody(body, headers.get('content-transfer-encoding'));
  if (/^text\/html/i.test(contentType)) found.html += decoded;
  else if (/^text\/plain/i.test(contentType)) found.text += decoded;
}

/** Parses a raw RFC 822 message enough to read its headers, subject, text and HTML bodies. */
export function parseMail(raw: string, envelopeFrom: string, envelopeTo: readonly string[]): ReceivedMail {
  const { headerLines } = splitMessage(raw);
  const headers = headerMap(headerLines);
  const found = { text: '', html: '' };
  collectParts(raw, found);
  return {
    envelopeFrom,
    envelopeTo,
    raw,
    headers,
    headerLines,
    subject: decodeWords(headers.get('subject') ?? ''),
    text: found.text,
    html: found.html,
  };
}

/** One request the HTTP receiver got. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

/** What the receiver answers. */
export interface HttpReply {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Waits this long before answering, in ms. */
  readonly delayMs?: number;
}

export interface HttpPeer {
  /** Base URL, e.g. `http://127.0.0.1:43123`. */
  readonly url: string;
  /** Requests received so far, oldest first. */
  readonly requests: ReceivedRequest[];
  /** Replaces the function that decides the reply. */
  respond(handler: (request: ReceivedRequest, index: number) => HttpReply): void;
  close(): Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1 that records every request and answers with `handler` (200 `ok` by default). */
export async function startHttpPeer(
  handler: (request: ReceivedRequest, index: number) => HttpReply = () => ({ status: 200, body: 'ok' }),
): Promise<HttpPeer> {
  const requests: ReceivedRequest[] = [];
  let current = handler;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const received: ReceivedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body,
        json,
      };
      const index = requests.length;
      requests.push(received);
      const reply = current(received, index);
      const answer = () => {
        if (response.destroyed) return;
        response.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        response.end(reply.body ?? '');
      };
      if (reply.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, reply.delayMs);
        timers.add(timer);
      } else answer();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    respond(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
