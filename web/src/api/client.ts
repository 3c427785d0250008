import type { Problem } from './types.js';

/** An error answer of the API: `{ error, message, problems? }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: Problem[],
  ) {
    super(message);
  }
}

type UnauthorizedListener = () => void;

let csrfToken: string | null = null;
let language = 'fr';
let onUnauthorized: UnauthorizedListener = () => undefined;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** The API words its messages, summaries and sentences in the language the page shows. */
export function setApiLanguage(next: 'fr' | 'en'): void {
  language = next;
}

function withLanguage(path: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}lang=${language}`;
}

/** Called on every 401 but the login's own: the session has ended, back to the login page. */
export function setUnauthorizedListener(listener: UnauthorizedListener): void {
  onUnauthorized = listener;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  json?: unknown;
  body?: Blob | string;
  contentType?: string;
  /** The login itself answers 401 for a wrong password: that is not an expired session. */
  ignoreUnauthorized?: boolean;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    body = options.body;
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
  }
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(withLanguage(path), {
    method,
    headers,
    body,
    credentials: 'same-origin',
  });
  if (response.ok) return response;
  const error = await readError(response);
  if (response.status === 401 && options.ignoreUnauthorized !== true) onUnauthorized();
  throw error;
}

async function readError(response: Response): Promise<ApiError> {
  let code = `http-${response.status}`;
  let message = response.statusText;
  let problems: Problem[] = [];
  try {
    const body = (await response.json()) as {
      error?: string;
      message?: string;
      problems?: Problem[];
    };
    code = body.error ?? code;
    message = body.message ?? message;
    problems = body.problems ?? [];
  } catch {
    // A body that is not JSON (a proxy's page): the status line is all there is.
  }
  return new ApiError(response.status, code, message, problems);
}

/** A JSON request; 204 gives undefined. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A request whose answer is text (the YAML export). */
export async function apiText(path: string, options: RequestOptions = {}): Promise<string> {
  const response = await send(path, options);
  return response.text();
}

/** Path segment of the logged-in extension's endpoints. */
export function extPath(extension: string, rest = ''): string {
  return `/api/extensions/${encodeURIComponent(extension)}${rest}`;
}
