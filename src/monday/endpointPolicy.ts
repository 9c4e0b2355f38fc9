import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { AppError } from '../domain/appError.ts';

/** What a URL is for: monday's GraphQL API, an account's SCIM base, or a webhook Seatwise notifies. */
export type EndpointKind = 'api' | 'scim' | 'webhook';

const MONDAY_API = 'https://api.monday.com/v2';
// An account's SCIM base, `https://<slug>.monday.com/scim/v2`, and the shared host a connector uses.
const MONDAY_SCIM = /^https:\/\/[a-z0-9][a-z0-9-]{0,62}\.monday\.com\/scim\/v2$/;

/**
 * Where Seatwise may send tokens. By default only monday's own endpoints, over https, and only when their names
 * resolve to public addresses. Other endpoints (the emulator, a proxy) only when the operator lists their origins
 * in SEATWISE_ALLOWED_ENDPOINTS (or `*`), read from the environment of the server or CLI; the API caller cannot
 * widen it. The in-process demo emulator adds its own origin.
 */
export class EndpointPolicy {
  private readonly origins = new Set<string>();
  private anyOrigin = false;

  private constructor() {}

  /** Parses SEATWISE_ALLOWED_ENDPOINTS: comma-separated origins, or `*`; a malformed entry is refused. */
  static fromSetting(setting: string | undefined): EndpointPolicy {
    const policy = new EndpointPolicy();
    for (const entry of (setting ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      if (entry === '*') policy.anyOrigin = true;
      else policy.origins.add(parseOrigin(entry));
    }
    return policy;
  }

  /** Lets Seatwise call an origin it started itself (the demo emulator). */
  allow(origin: string): void {
    this.origins.add(parseOrigin(origin));
  }

  /**
   * Checks a URL before anything is sent there and returns the fetch to call it with: an operator-allowed
   * origin as it is; a monday endpoint through a connection that refuses private and link-local addresses.
   */
  fetchFor(url: string, kind: EndpointKind, field = kind === 'api' ? 'apiUrl' : 'scimUrl'): typeof fetch {
    // A webhook URL often holds its secret in the path or query: a refusal names its origin only.
    const shown = kind === 'webhook' ? originOnly(url) : url;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw refused(field, shown, 'is not a URL');
    }
    if (parsed.username || parsed.password)
      throw refused(field, shown, 'must not carry a user name or password');
    if (this.anyOrigin || this.origins.has(parsed.origin)) return allowedFetch;
    if (kind === 'webhook') {
      // Any public https receiver (Slack, Teams, a service of one's own); nothing inside the network.
      if (parsed.protocol !== 'https:')
        throw refused(
          field,
          shown,
          'must be https (other origins only when SEATWISE_ALLOWED_ENDPOINTS lists them)',
        );
      // An address written out is never looked up, so it is checked here.
      const literal = parsed.hostname.replace(/^\[|\]$/g, '');
      if (ipaddr.isValid(literal) && !isPublicAddress(literal))
        throw refused(field, shown, 'points inside the network (private, loopback or link-local address)');
      return publicOnlyFetch;
    }
    const normalized = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
    const isMonday =
      !parsed.search &&
      !parsed.hash &&
      (kind === 'api' ? normalized === MONDAY_API : MONDAY_SCIM.test(normalized));
    if (!isMonday) {
      throw refused(
        field,
        url,
        `is not a monday endpoint: Seatwise calls ${kind === 'api' ? MONDAY_API : 'https://<account>.monday.com/scim/v2'} unless the operator lists other origins in SEATWISE_ALLOWED_ENDPOINTS`,
      );
    }
    return publicOnlyFetch;
  }
}

function parseOrigin(entry: string): string {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new AppError(
      'invalid_input',
      'invalid_allowed_endpoint',
      `SEATWISE_ALLOWED_ENDPOINTS: "${entry}" is not an origin such as http://127.0.0.1:4320 (or * for any)`,
    );
  }
  if (!/^https?:$/.test(url.protocol) || (url.pathname !== '/' && url.pathname !== '') || url.search) {
    throw new AppError(
      'invalid_input',
      'invalid_allowed_endpoint',
      `SEATWISE_ALLOWED_ENDPOINTS: "${entry}" must be an http(s) origin without a path, such as http://127.0.0.1:4320`,
    );
  }
  return url.origin;
}

/** A URL as a refusal may show it when it may hold a secret: its origin, the rest elided. */
function originOnly(url: string): string {
  try {
    const { origin, pathname, search } = new URL(url);
    return pathname.length > 1 || search ? `${origin}/…` : origin;
  } catch {
    return '(the URL given)';
  }
}

function refused(field: string, url: string, why: string): AppError {
  return new AppError('invalid_input', 'endpoint_not_allowed', `${field} ${url} ${why}`, { field });
}

/** True for addresses on the public internet; loopback, private, link-local (cloud metadata) and the like are not. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress())
    ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ip.range() === 'unicast';
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** Resolves a name like the system does, then refuses it when any of its addresses is not public. */
function publicLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const blocked = addresses.find((a) => !isPublicAddress(a.address));
    if (blocked || addresses.length === 0) {
      const refusal = new Error(
        `${hostname} resolves to an address that is not public`,
      ) as NodeJS.ErrnoException;
      refusal.code = 'ENOTPUBLIC';
      return callback(refusal, []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
}

const publicOnlyAgent = new Agent({ connect: { lookup: publicLookup as never } });

/**
 * The one egress rule for every outbound request (monday's API, SCIM, webhooks): redirects are never followed
 * (a 3xx is the answer, so a receiver cannot send Seatwise, its token or its payload on to another address).
 */
export const allowedFetch = ((input: string, init?: RequestInit) =>
  fetch(input, { ...init, redirect: 'manual' })) as typeof fetch;

/**
 * fetch whose connections only ever reach public addresses: a name is checked on the addresses it really
 * connects to (a lookup never happens for an address written out, so that is checked here), and redirects
 * are not followed.
 */
export const publicOnlyFetch = ((input: string, init?: RequestInit) => {
  const host = new URL(input).hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host) && !isPublicAddress(host))
    return Promise.reject(new Error(`${host} is not a public address`));
  return undiciFetch(input, { ...(init as object), redirect: 'manual', dispatcher: publicOnlyAgent });
}) as unknown as typeof fetch;
