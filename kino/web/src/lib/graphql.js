// GraphQL over HTTP for the pages, and subscriptions over graphql-ws.
import { createClient } from 'graphql-ws';
import { accessToken, expire } from './session.js';

export class ApiError extends Error {
  constructor(message, code = 'INTERNAL', field = null, retryAfter = null) {
    super(message);
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
  }
}

const OFFLINE = 'Kino could not be reached. Check your connection and try again.';

async function post(query, variables, headers) {
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError(OFFLINE, 'NETWORK');
  }
  try {
    return await response.json();
  } catch {
    throw new ApiError(`Kino answered with an error (${response.status}); try again.`);
  }
}

function failure(error) {
  const extensions = error.extensions ?? {};
  return new ApiError(error.message, extensions.code ?? 'INTERNAL', extensions.field ?? null,
                      extensions.retryAfterSeconds ?? null);
}

/**
 * Run an operation as the signed-in user (anonymously when signed out).
 * `cookie: true` asks for the refresh token as an HttpOnly cookie (sign-in mutations).
 */
export async function gql(query, variables = {}, { cookie = false } = {}) {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const token = await accessToken();
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (cookie) headers['Kino-Session'] = 'cookie';
    const body = await post(query, variables, headers);
    const error = body.errors?.[0];
    if (!error) return body.data;
    if (error.extensions?.code === 'UNAUTHENTICATED' && token && attempt === 0) {
      expire();  // the access token expired or its session changed: refresh once
      continue;
    }
    throw failure(error);
  }
  throw new ApiError('Sign in again to do that.', 'UNAUTHENTICATED');
}

let client = null;

function subscriptions() {
  client ??= createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    lazy: true,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: async (retries) => new Promise((resolve) => {
      setTimeout(resolve, Math.min(1000 * 2 ** retries, 10_000) * (0.5 + Math.random() / 2));
    }),
    connectionParams: async () => {
      const token = await accessToken();
      return token ? { Authorization: `Bearer ${token}` } : {};
    },
  });
  return client;
}

/** Follow a subscription; returns a function that stops it. */
export function subscribe(query, variables, { next, error, connected } = {}) {
  const sink = {
    next: (result) => {
      if (result.errors?.length) error?.(failure(result.errors[0]));
      else next?.(result.data);
    },
    error: (reason) => error?.(reason instanceof Error ? reason : new ApiError(OFFLINE, 'NETWORK')),
    complete: () => {},
  };
  const stop = subscriptions().subscribe({ query, variables }, sink);
  if (connected) subscriptions().on('connected', connected);
  return stop;
}

/** The graphql-ws client (tests and the chat use its events). */
export const realtime = () => subscriptions();
