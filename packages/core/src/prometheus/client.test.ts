import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PromptheusError } from '../errors.js';
import { findFreePort } from '../testing/prometheus.js';
import { createPrometheusClient } from './client.js';

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

type Handler = (
  request: Recorded,
  respond: (status: number, body: string, type?: string) => void,
  socket: Socket,
) => void;

/** A local HTTP server that answers however the test says and records what it received. */
let server: Server;
let baseUrl: string;
let handler: Handler;
const received: Recorded[] = [];
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      const recorded = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body,
      };
      received.push(recorded);
      handler(
        recorded,
        (status, text, type = 'application/json') => {
          // No keep-alive: every test starts on a fresh connection.
          response.writeHead(status, { 'content-type': type, connection: 'close' }).end(text);
        },
        request.socket,
      );
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  received.length = 0;
  for (const socket of sockets) socket.destroy();
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const success = (data: unknown) => JSON.stringify({ status: 'success', data });

async function failure(promise: Promise<unknown>): Promise<PromptheusError> {
  try {
    await promise;
  } catch (error) {
    if (PromptheusError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('requests', () => {
  it('sends bearer auth and extra headers, and keeps them out of errors', async () => {
    handler = (_request, respond) =>
      respond(500, 'upstream said: Bearer s3cret-token-value and X-Scope-OrgID tenant-secret', 'text/plain');
    const client = createPrometheusClient({
      url: baseUrl,
      auth: { type: 'bearer', token: 's3cret-token-value' },
      headers: { 'X-Scope-OrgID': 'tenant-secret' },
    });
    const error = await failure(client.query('up'));
    expect(received[0]!.headers.authorization).toBe('Bearer s3cret-token-value');
    expect(received[0]!.headers['x-scope-orgid']).toBe('tenant-secret');
    expect(error.code).toBe('bad_response');
    const shown = `${error.message} ${JSON.stringify(error.toJSON())} ${JSON.stringify(error.details)}`;
    expect(shown).not.toContain('s3cret-token-value');
    expect(shown).not.toContain('tenant-secret');
    expect(shown).toContain('[redacted]');
  });

  it('sends basic auth', async () => {
    handler = (_request, respond) => respond(200, success(['a', 'b']));
    const client = createPrometheusClient({
      url: baseUrl,
      auth: { type: 'basic', username: 'alice', password: 'pa55' },
    });
    expect(await client.labelNames()).toEqual(['a', 'b']);
    expect(received[0]!.headers.authorization).toBe(`Basic ${Buffer.from('alice:pa55').toString('base64')}`);
  });

  it('uses GET for short queries and a form-encoded POST for long ones, keeping a path prefix', async () => {
    handler = (_request, respond) => respond(200, success({ resultType: 'vector', result: [] }));
    const client = createPrometheusClient({ url: `${baseUrl}/prometheus/` });
    await client.query('up', { time: 1_700_000_000_500, evaluationTimeout: '5s' });
    expect(received[0]!.method).toBe('GET');
    const url = new URL(received[0]!.url, baseUrl);
    expect(url.pathname).toBe('/prometheus/api/v1/query');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      query: 'up',
      time: '1700000000.5',
      timeout: '5s',
    });

    const long = Array.from({ length: 400 }, (_, index) => `metric_${index}`).join(' or ');
    await client.query(long);
    expect(received[1]!.method).toBe('POST');
    expect(received[1]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(received[1]!.body).get('query')).toBe(long);
  });

  it('asks for compressed answers unless told not to', async () => {
    handler = (_request, respond) => respond(200, success('2.42.0'));
    await createPrometheusClient({ url: baseUrl }).formatQuery('up');
    await createPrometheusClient({ url: baseUrl, compression: false }).formatQuery('up');
    expect(received[0]!.headers['accept-encoding']).toContain('gzip');
    expect(received[1]!.headers['accept-encoding']).toBe('identity');
  });

  it('enforces limit client-side with a warning', async () => {
    const result = [1, 2, 3].map((index) => ({
      metric: { __name__: 'a', i: String(index) },
      value: [1, '1'],
    }));
    handler = (_request, respond) => respond(200, success({ resultType: 'vector', result }));
    const client = createPrometheusClient({ url: baseUrl });
    const answer = await client.query('a', { limit: 2 });
    expect(answer.data.result).toHaveLength(2);
    expect(answer.warnings).toEqual(['results truncated to 2 series (limit)']);
    expect(new URL(received[0]!.url, baseUrl).searchParams.get('limit')).toBe('2');
  });
});

describe('bad answers', () => {
  it('turns an HTML page into bad_response with the status and an excerpt', async () => {
    handler = (_request, respond) =>
      respond(200, '<!DOCTYPE html><html><body><h1>Login</h1></body></html>', 'text/html');
    const error = await failure(createPrometheusClient({ url: baseUrl }).query('up'));
    expect(error.code).toBe('bad_response');
    expect(error.message).toContain('HTML page');
    expect(error.details).toMatchObject({ status: 200, endpoint: '/api/v1/query' });
    expect(error.details?.excerpt).toContain('<h1>Login</h1>');
    expect(error.retryable).toBe(false);
  });

  it('turns truncated and empty JSON into bad_response', async () => {
    handler = (_request, respond) =>
      respond(200, '{"status":"success","data":{"resultType":"vector","result":[{"metr');
    const truncated = await failure(createPrometheusClient({ url: baseUrl }).query('up'));
    expect(truncated.code).toBe('bad_response');
    expect(truncated.message).toContain('truncated');
    handler = (_request, respond) => respond(200, '');
    const empty = await failure(createPrometheusClient({ url: baseUrl }).query('up'));
    expect(empty.code).toBe('bad_response');
    expect(empty.message).toContain('empty body');
  });

  it('turns a wrong shape into bad_response naming the field', async () => {
    handler = (_request, respond) =>
      respond(200, success({ resultType: 'vector', result: [{ metric: { a: 1 }, value: [1, '1'] }] }));
    const error = await failure(createPrometheusClient({ url: baseUrl }).query('up'));
    expect(error.code).toBe('bad_response');
    expect(error.message).toContain('result[0].metric.a is not a string');
  });

  it('turns Prometheus error bodies into prometheus errors with its message', async () => {
    handler = (_request, respond) =>
      respond(
        422,
        JSON.stringify({
          status: 'error',
          errorType: 'execution',
          error: 'query processing would load too many samples',
        }),
      );
    const execution = await failure(createPrometheusClient({ url: baseUrl }).query('up'));
    expect(execution).toMatchObject({
      code: 'prometheus',
      retryable: false,
      details: { status: 422, errorType: 'execution' },
    });
    expect(execution.message).toContain('query processing would load too many samples');

    handler = (_request, respond) =>
      respond(503, JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'too many queries' }));
    const unavailable = await failure(createPrometheusClient({ url: baseUrl }).query('up'));
    expect(unavailable).toMatchObject({ code: 'prometheus', retryable: true, details: { status: 503 } });
  });

  it('turns a 503 without a JSON body into a retryable bad_response', async () => {
    handler = (_request, respond) => respond(503, 'Service Unavailable', 'text/plain');
    const error = await failure(createPrometheusClient({ url: baseUrl }).query('up'));
    expect(error).toMatchObject({ code: 'bad_response', retryable: true, details: { status: 503 } });
    expect(error.message).toContain('HTTP 503');
  });

  it('turns 401 and 403 into unauthorized', async () => {
    handler = (_request, respond) => respond(401, 'Unauthorized', 'text/plain');
    const error = await failure(createPrometheusClient({ url: baseUrl }).buildInfo());
    expect(error).toMatchObject({ code: 'unauthorized', details: { status: 401 } });
  });

  it('times out within the deadline when the server accepts but never answers', async () => {
    handler = () => {}; // never answers
    const client = createPrometheusClient({ url: baseUrl, timeoutMs: 5_000 });
    const started = Date.now();
    const error = await failure(client.query('up', { timeoutMs: 300 }));
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect(error.message).toContain('300 ms');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('times out when the answer starts but the body never ends', async () => {
    handler = (_request, _respond, socket) => {
      socket.write(
        'HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"status":',
      );
    };
    const error = await failure(createPrometheusClient({ url: baseUrl, timeoutMs: 300 }).query('up'));
    expect(error.code).toBe('timeout');
  });

  it('stops when the caller aborts', async () => {
    handler = () => {};
    const controller = new AbortController();
    const pending = createPrometheusClient({ url: baseUrl }).query('up', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await failure(pending);
    expect(error.code, error.message).toBe('aborted');
  });

  it('reports a reset connection as a retryable network error', async () => {
    handler = (_request, _respond, socket) => socket.destroy();
    const error = await failure(createPrometheusClient({ url: baseUrl }).query('up'));
    expect(error).toMatchObject({ code: 'network', retryable: true });
  });

  it('reports a refused connection as a retryable network error', async () => {
    const port = await findFreePort();
    const error = await failure(createPrometheusClient({ url: `http://127.0.0.1:${port}` }).query('up'));
    expect(error).toMatchObject({ code: 'network', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('input checks', () => {
  it('rejects bad options with config errors naming the option, never echoing credentials', () => {
    const withCredentials = (() => {
      try {
        createPrometheusClient({ url: 'http://admin:hunter22@localhost:9090' });
      } catch (error) {
        return error as PromptheusError;
      }
    })();
    expect(withCredentials?.code).toBe('config');
    expect(withCredentials?.message).toContain('auth option');
    expect(withCredentials?.message).not.toContain('hunter22');
    expect(() => createPrometheusClient({ url: 'ftp://x' })).toThrow(/http:\/\/ or https:\/\//);
    expect(() => createPrometheusClient({ url: '' })).toThrow(/url is required/);
    expect(() => createPrometheusClient({ url: baseUrl, headers: { 'Bad Header': 'x' } })).toThrow(
      /invalid header name/,
    );
    expect(() => createPrometheusClient({ url: baseUrl, headers: { ok: 'a\r\nb' } })).toThrow(
      /without line breaks/,
    );
    expect(() => createPrometheusClient({ url: baseUrl, timeoutMs: -1 })).toThrow(/timeoutMs/);
  });

  it('rejects bad arguments with invalid_input before any request', async () => {
    const client = createPrometheusClient({ url: baseUrl });
    expect((await failure(client.query(''))).code).toBe('invalid_input');
    expect((await failure(client.queryRange('up', { start: 0, end: 1000, step: 0 }))).message).toContain(
      'step',
    );
    expect((await failure(client.queryRange('up', { start: 2000, end: 1000, step: 1 }))).message).toContain(
      'end',
    );
    expect((await failure(client.series([]))).code).toBe('invalid_input');
    expect((await failure(client.query('up', { time: Number.NaN }))).message).toContain('time');
    expect(received).toHaveLength(0);
  });
});
