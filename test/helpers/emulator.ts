import { afterAll, beforeAll } from 'vitest';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: any[];
    account_id?: number;
    extensions?: Record<string, unknown>;
  } & Record<string, any>;
}

/** Posts a GraphQL document to the emulator the way monday clients do. */
export async function gql<T = Record<string, unknown>>(
  emulator: RunningEmulator,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GqlResponse<T>> {
  const response = await fetch(emulator.graphqlUrl, {
    method: 'POST',
    headers: { authorization: token, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GqlResponse<T>['body'],
  };
}

/** Calls the emulator's SCIM API with a bearer token. */
export async function scim(
  emulator: RunningEmulator,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${emulator.scimUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Starts one emulator for a test file and closes it afterwards. */
export function emulatorForFile(options: EmulatorOptions = {}): { current: RunningEmulator } {
  const holder = {} as { current: RunningEmulator };
  beforeAll(async () => {
    holder.current = await startEmulator(options);
  });
  afterAll(async () => {
    await holder.current?.close();
  });
  return holder;
}
