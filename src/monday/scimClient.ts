import { z } from 'zod';
import { fetchText } from './fetchText.ts';
import { brief, MondayError, parseAnswer, parseRetryAfter } from './mondayError.ts';
import { RequestBudget } from './requestBudget.ts';
import { defaultRetryOptions, type RetryOptions, withRetries } from './retryPolicy.ts';

const scimUserSchema = z.object({
  id: z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1).max(64)),
  userName: z.string().max(320),
  displayName: z.string().max(1000).nullish(),
  active: z.boolean(),
  userType: z.string().max(60).nullish(),
  externalId: z.string().max(1000).nullish(),
});
export type ScimUser = z.infer<typeof scimUserSchema>;

const listSchema = z.object({
  totalResults: z.number().int().min(0),
  itemsPerPage: z.number().int().optional(),
  startIndex: z.number().int().optional(),
  Resources: z.array(scimUserSchema).max(1000).default([]),
});

export type ScimUserType = 'admin' | 'member' | 'viewer' | 'guest';

const scimGroupSchema = z.object({
  id: z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1).max(200)),
  /** Some clients read monday's team id from here; whether monday sends it is not documented. */
  internalId: z.union([z.string(), z.number()]).transform(String).nullish(),
  displayName: z.string().max(1000),
  members: z
    .array(
      z.object({ value: z.union([z.string(), z.number()]).transform(String), display: z.string().nullish() }),
    )
    .nullish(),
});
export type ScimGroup = z.infer<typeof scimGroupSchema>;
const groupListSchema = z.object({
  totalResults: z.number().int().min(0),
  itemsPerPage: z.number().int().optional(),
  Resources: z.array(scimGroupSchema).max(1000).default([]),
});
const GROUP_PAGE = 100;

export interface ScimClientOptions {
  token: string;
  /** `https://<slug>.monday.com/scim/v2` for real accounts. */
  baseUrl: string;
  budget?: RequestBudget;
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  fetch?: typeof fetch;
}

/** monday's SCIM 2.0 API (Enterprise): create users, look them up, and PATCH active/userType. */
export class ScimClient {
  private readonly budget: RequestBudget;
  private readonly retry: RetryOptions;
  requests = 0;

  constructor(private readonly options: ScimClientOptions) {
    this.budget = options.budget ?? new RequestBudget();
    this.retry = { ...defaultRetryOptions, ...options.retry };
  }

  /** A page of users; `provisionedOnly: false` includes users monday did not provision through SCIM. */
  async list(startIndex = 1, count = 100, provisionedOnly = true) {
    const query = `?startIndex=${startIndex}&count=${count}${provisionedOnly ? '' : '&scim_provisioned_only=false'}`;
    return parseAnswer(
      listSchema,
      await this.call('GET', `/Users${query}`, undefined, true),
      'SCIM users list',
    );
  }

  async findByUserName(email: string, provisionedOnly = false): Promise<ScimUser | null> {
    const filter = encodeURIComponent(`userName eq "${email.toLowerCase().replace(/"/g, '\\"')}"`);
    const scope = provisionedOnly ? '' : '&scim_provisioned_only=false';
    const list = parseAnswer(
      listSchema,
      await this.call('GET', `/Users?filter=${filter}${scope}`, undefined, true),
      'SCIM user search',
    );
    return list.Resources[0] ?? null;
  }

  async get(id: string, provisionedOnly = false): Promise<ScimUser | null> {
    try {
      return parseAnswer(
        scimUserSchema,
        await this.call(
          'GET',
          `/Users/${encodeURIComponent(id)}${provisionedOnly ? '' : '?scim_provisioned_only=false'}`,
          undefined,
          true,
        ),
        'SCIM user',
      );
    } catch (error) {
      if (error instanceof MondayError && error.code === 'scim_not_found') return null;
      throw error;
    }
  }

  /**
   * Creates a user. A 409 (the userName is taken) means the user already exists: it is looked up and returned
   * with `existed: true` rather than reported as a failure.
   */
  async create(user: {
    email: string;
    name: string;
    userType: ScimUserType;
  }): Promise<ScimUser & { existed: boolean }> {
    const [givenName, ...rest] = user.name.trim().split(/\s+/);
    const body = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: user.email.toLowerCase(),
      displayName: user.name.trim(),
      name: { givenName, familyName: rest.join(' ') },
      emails: [{ value: user.email.toLowerCase(), type: 'work', primary: true }],
      userType: user.userType,
      active: true,
    };
    try {
      return {
        ...parseAnswer(scimUserSchema, await this.call('POST', '/Users', body, false), 'SCIM create'),
        existed: false,
      };
    } catch (error) {
      if (!(error instanceof MondayError) || error.code !== 'scim_conflict') throw error;
      const existing = await this.findByUserName(user.email);
      if (!existing) throw error;
      return { ...existing, existed: true };
    }
  }

  /**
   * Every SCIM-provisioned Group (monday team) with its members: pages by `startIndex` until the list's total
   * is reached or a page comes back empty.
   */
  async groups(): Promise<ScimGroup[]> {
    const all: ScimGroup[] = [];
    for (let startIndex = 1; ; ) {
      const page = parseAnswer(
        groupListSchema,
        await this.call('GET', `/Groups?startIndex=${startIndex}&count=${GROUP_PAGE}`, undefined, true),
        'SCIM groups list',
      );
      all.push(...page.Resources);
      startIndex += page.Resources.length;
      if (page.Resources.length === 0 || startIndex > page.totalResults) return all;
    }
  }

  /** The SCIM-provisioned Group with exactly this name, or null (SCIM's only Group filter). */
  async groupByName(name: string): Promise<ScimGroup | null> {
    const filter = encodeURIComponent(`displayName eq "${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
    const list = parseAnswer(
      groupListSchema,
      await this.call('GET', `/Groups?filter=${filter}`, undefined, true),
      'SCIM group search',
    );
    return list.Resources.find((g) => g.displayName === name) ?? null;
  }

  /**
   * Adds or removes members of a Group by PATCH. Safe to retry: adding a member who is in, or removing one who
   * is out, leaves the Group as asked. monday may answer without a body; callers read the Group again.
   */
  async changeGroupMembers(groupId: string, change: 'add' | 'remove', userIds: string[]): Promise<void> {
    const Operations =
      change === 'add'
        ? [{ op: 'add', path: 'members', value: userIds.map((value) => ({ value })) }]
        : userIds.map((value) => ({ op: 'remove', path: `members[value eq "${value}"]` }));
    await this.call(
      'PATCH',
      `/Groups/${encodeURIComponent(groupId)}`,
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations },
      true,
    );
  }

  /** PATCH replace of `active` and/or `userType`; safe to retry because the target state is absolute. */
  async patch(id: string, changes: { active?: boolean; userType?: ScimUserType }): Promise<ScimUser> {
    const body = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: changes }],
    };
    const answer = await this.call('PATCH', `/Users/${encodeURIComponent(id)}`, body, true);
    if (answer !== null) return parseAnswer(scimUserSchema, answer, 'SCIM update');
    // 204 No Content is a valid answer to a PATCH: read the user to report its state.
    const user = await this.get(id);
    if (!user)
      throw new MondayError('scim_not_found', `monday SCIM has no user ${id}`, false, null, null, 404);
    return user;
  }

  private call(method: string, path: string, body: unknown, idempotent: boolean): Promise<unknown> {
    return withRetries(
      () => this.once(method, path, body),
      this.retry,
      this.budget,
      (error) => error.retryable && (idempotent || error.httpStatus === 429),
    );
  }

  private async once(method: string, path: string, body: unknown): Promise<unknown> {
    const release = await this.budget.acquire('scim');
    this.requests++;
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    try {
      const { response, text } = await fetchText(
        `${this.options.baseUrl.replace(/\/$/, '')}${path}`,
        {
          method,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            // SCIM's own media type (RFC 7644 §3.1); answers in it or in plain JSON are both read.
            ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
            accept: 'application/scim+json, application/json',
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        },
        timeoutMs,
        `monday SCIM at ${this.options.baseUrl}`,
        this.options.fetch,
      );
      let parsed: unknown = null;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new MondayError(
            response.status >= 500 ? 'http_5xx' : 'malformed_response',
            `monday SCIM answered HTTP ${response.status} with a body that is not JSON`,
            true,
            null,
            null,
            response.status,
          );
        }
      }
      if (response.ok) return parsed;
      throw scimError(response.status, parsed, response.headers.get('retry-after'));
    } finally {
      await release();
    }
  }
}

function scimError(status: number, body: unknown, retryAfter: string | null): MondayError {
  const detail = (body as { detail?: unknown })?.detail;
  const scimType = (body as { scimType?: unknown })?.scimType;
  const message = typeof detail === 'string' ? brief(detail) : `monday SCIM answered HTTP ${status}`;
  const wait = parseRetryAfter(retryAfter);
  if (status === 401)
    return new MondayError(
      'scim_unauthorized',
      'monday rejected the SCIM token (401)',
      false,
      null,
      null,
      status,
    );
  if (status === 404) return new MondayError('scim_not_found', message, false, null, null, status);
  if (status === 409) return new MondayError('scim_conflict', message, false, null, null, status);
  if (status === 429) return new MondayError('RATE_LIMIT_EXCEEDED', message, true, wait, null, status);
  if (status >= 500) return new MondayError('http_5xx', message, true, wait, null, status);
  return new MondayError(
    typeof scimType === 'string' ? `scim_${scimType}` : `scim_${status}`,
    message,
    false,
    null,
    null,
    status,
  );
}
