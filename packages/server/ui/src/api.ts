/** Where the API token is kept in the browser. */
export const TOKEN_STORAGE_KEY = 'promptheus.apiToken';

/** A failed API call, with the server's error code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details: unknown = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Reads and writes the API token in `localStorage` (memory only when storage is blocked). */
export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

/** Creates the token store. */
export function createTokenStore(storage: Storage | null = safeLocalStorage()): TokenStore {
  let memory: string | null = null;
  return {
    get() {
      try {
        return storage?.getItem(TOKEN_STORAGE_KEY) ?? memory;
      } catch {
        return memory;
      }
    },
    set(token) {
      memory = token;
      try {
        if (token === null) storage?.removeItem(TOKEN_STORAGE_KEY);
        else storage?.setItem(TOKEN_STORAGE_KEY, token);
      } catch {
        // storage blocked: the token lives until the page closes
      }
    },
  };
}

function safeLocalStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** Why the page asks for the token. */
export type TokenPromptReason = 'required' | 'refused';

/** Options of {@link createApi}. */
export interface ApiOptions {
  /** Base URL of the server's API (the page lives at `<base>ui/`). */
  readonly base: URL;
  readonly tokens: TokenStore;
  /** Asks the person for the API token; resolves to null when they cancel. */
  readonly askToken: (reason: TokenPromptReason) => Promise<string | null>;
}

/** The server's REST API as the page uses it. */
export interface Api {
  readonly base: URL;
  /** `path` is relative to the API base, e.g. `anomalies` or `api/chat`. */
  get<Result>(path: string, query?: Readonly<Record<string, string | number | undefined>>): Promise<Result>;
  post<Result>(path: string, body?: unknown): Promise<Result>;
  delete<Result>(path: string): Promise<Result>;
  /** Asks for the token now (after a refused WebSocket, for example); true when one was given. */
  requestToken(reason: TokenPromptReason): Promise<boolean>;
}

interface ErrorBody {
  readonly error?: { readonly code?: unknown; readonly message?: unknown; readonly details?: unknown };
}

/**
 * Creates the API client: JSON in and out, the bearer token on every call, and on a 401 one
 * prompt for the token (shared by concurrent calls) followed by one retry.
 */
export function createApi(options: ApiOptions): Api {
  const { base, tokens } = options;
  let prompt: Promise<string | null> | null = null;

  const requestToken = (reason: TokenPromptReason): Promise<string | null> => {
    prompt ??= options.askToken(reason).then((token) => {
      prompt = null;
      const trimmed = token?.trim() ?? '';
      if (trimmed === '') return null;
      tokens.set(trimmed);
      return trimmed;
    });
    return prompt;
  };

  const call = async <Result>(method: string, url: URL, body?: unknown): Promise<Result> => {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { Accept: 'application/json' };
      const token = tokens.get();
      if (token) headers['Authorization'] = `Bearer ${token}`;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          credentials: 'same-origin',
        });
      } catch {
        throw new ApiError(
          0,
          'network',
          `Cannot reach the Promptheus server at ${base.origin}; is it running?`,
        );
      }
      if (response.status === 401 && attempt === 0) {
        const given = await requestToken(token ? 'refused' : 'required');
        if (given) continue;
      }
      if (response.status === 204) return undefined as Result;
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        parsed = null;
      }
      if (!response.ok) {
        const error = (parsed as ErrorBody | null)?.error;
        const message =
          typeof error?.message === 'string'
            ? error.message
            : `${method} ${url.pathname} failed with HTTP ${response.status}`;
        throw new ApiError(
          response.status,
          typeof error?.code === 'string' ? error.code : 'http',
          message,
          error?.details ?? null,
        );
      }
      return parsed as Result;
    }
  };

  return {
    base,
    get(path, query) {
      const url = new URL(path, base);
      for (const [name, value] of Object.entries(query ?? {})) {
        if (value !== undefined) url.searchParams.set(name, String(value));
      }
      return call('GET', url);
    },
    post: (path, body) => call('POST', new URL(path, base), body ?? {}),
    delete: (path) => call('DELETE', new URL(path, base)),
    async requestToken(reason) {
      return (await requestToken(reason)) !== null;
    },
  };
}
