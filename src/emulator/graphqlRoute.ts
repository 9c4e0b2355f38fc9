import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  execute,
  type FragmentDefinitionNode,
  type GraphQLError,
  Kind,
  type OperationDefinitionNode,
  parse,
  validate,
} from 'graphql';
import { isComplexityOnly, queryComplexity } from './complexity.ts';
import {
  errorBody,
  executionError,
  type MondayErrorEntry,
  refusalError,
  validationError,
} from './graphqlErrors.ts';
import { injectFaults, truncate } from './httpFaults.ts';
import type { AccountLimiter } from './limits.ts';
import { type EmuAccount, type EmuUser, membersByTeam } from './model.ts';
import { createServiceUser, platformApi, revokeServiceUserTokens, serviceUsers } from './serviceUsers.ts';
import type { EmulatorState } from './state.ts';
import {
  addUsersToTeam,
  assignTeamOwners,
  createTeam,
  deleteTeam,
  removeTeamOwners,
  removeUsersFromTeam,
} from './teamMutations.ts';
import { selectTeams } from './teamView.ts';
import { activateUsers, deactivateUsers, inviteUsers, updateUsersRole } from './userMutations.ts';
import { noBends, selectUsers, type UserQueryBends, type UsersArgs } from './userQuery.ts';
import { AccountView, UserView } from './userView.ts';
import { listVersions, type ResolvedVersion, resolveApiVersion } from './versions.ts';
import { accountConnections, addUsersToBoard, boardAutomations, boards } from './workspace.ts';

interface ExecutionContext {
  account: EmuAccount;
  caller: EmuUser;
  version: ResolvedVersion;
  complexity: { before: number; after: number; query: number; reset_in_x_seconds: number };
  now: Date;
  /** How monday bends `users` answers (faults): its own page size, capped look-ups, exact email matching. */
  bends: UserQueryBends;
  /** In a query, each team's members, worked out once when first asked; null in a mutation. */
  teamMembers: (() => Map<string, EmuUser[]>) | null;
  limiter: AccountLimiter;
  /** The instant monday's version calendar is read at. */
  calendarAt: number;
}

const rootValue = {
  me: (_: unknown, c: ExecutionContext) => new UserView(c.caller, c.account),
  account: (_: unknown, c: ExecutionContext) => new AccountView(c.account),
  users: (args: UsersArgs, c: ExecutionContext) =>
    selectUsers(c.account, args, c.bends).map((u) => new UserView(u, c.account)),
  // GraphQL Int is 32-bit; huge test budgets are reported at its maximum.
  complexity: (_: unknown, c: ExecutionContext) =>
    Object.fromEntries(Object.entries(c.complexity).map(([k, v]) => [k, Math.min(v, 2_147_483_647)])),
  version: (_: unknown, c: ExecutionContext) => ({
    value: c.version.value,
    kind: c.version.kind,
    display_name: c.version.value,
  }),
  versions: (_: unknown, c: ExecutionContext) => listVersions(c.calendarAt),
  teams: (args: { ids?: string[] | null }, c: ExecutionContext) =>
    selectTeams(c.account, args.ids, c.teamMembers),
  platform_api: (_: unknown, c: ExecutionContext) =>
    platformApi(c.limiter.usage(), c.limiter.settings.dailyCalls, c),
  service_users: serviceUsers,
  boards,
  board_automations: boardAutomations,
  account_connections: accountConnections,
  add_users_to_board: addUsersToBoard,
  create_service_user: createServiceUser,
  revoke_service_user_tokens: revokeServiceUserTokens,
  invite_users: inviteUsers,
  update_users_role: updateUsersRole,
  deactivate_users: deactivateUsers,
  activate_users: activateUsers,
  add_users_to_team: addUsersToTeam,
  remove_users_from_team: removeUsersFromTeam,
  create_team: createTeam,
  delete_team: deleteTeam,
  assign_team_owners: assignTeamOwners,
  remove_team_owners: removeTeamOwners,
};

/** Serves monday's GraphQL API at POST /v2: auth, API-Version, limits, faults, complexity and execution. */
export function registerGraphqlRoute(app: FastifyInstance, state: EmulatorState): void {
  app.post('/v2', async (request, reply) => {
    const requestId = randomUUID();
    reply.header('x-request-id', requestId);
    const send = (
      status: number,
      body: unknown,
      accountId: string | null,
      ...entries: MondayErrorEntry[]
    ) => {
      const payload = body ?? errorBody(accountId, requestId, ...entries);
      return reply.code(status).type('application/json').send(JSON.stringify(payload));
    };

    const token = readToken(request.headers.authorization);
    const grant = token ? state.apiToken(token) : undefined;
    if (!token || !grant || state.faults.revoked(token, 'graphql')) {
      // monday's own bare answer: a list of strings, no code, no request id in the body.
      return reply
        .code(401)
        .type('application/json')
        .send(JSON.stringify({ errors: ['Not Authenticated'] }));
    }
    const { account } = grant;
    const caller = account.usersById.get(account.tokenOwners[grant.role])!;
    const versionResult = resolveApiVersion(header(request, 'api-version'), state.calendarNow());
    if (!versionResult.ok) {
      return send(200, null, account.id, {
        message: versionResult.message,
        extensions: { code: 'InvalidVersionException', status_code: 400 },
      });
    }
    reply.header('API-Version', versionResult.version.value);
    if (caller.status !== 'ACTIVE' || caller.kind === 'view_only' || !caller.isEmailConfirmed) {
      return send(403, null, account.id, {
        message:
          'User does not have access to the API: the token owner must be an active, non-viewer user with a confirmed email',
        extensions: { code: 'USER_ACCESS_DENIED', status_code: 403 },
      });
    }

    const limiter = state.limiter(account);
    const refusal = limiter.admit(caller.id);
    if (refusal) {
      const { status, entry, retryAfter } = refusalError(refusal);
      setRateLimitHeaders(reply, limiter);
      if (retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));
      return send(status, null, account.id, entry);
    }
    try {
      const fault = await injectFaults(state, 'graphql', reply);
      if (fault.handled) return reply;
      const result = runOperation(state, request, account, caller, versionResult.version, limiter, requestId);
      if (result.mutated) await state.changed(account, result.operationName ?? null);
      const answerDelay = state.faults.settings.answerDelayMs;
      if (answerDelay > 0 && result.mutated && state.faults.applies('graphql')) await sleep(answerDelay);
      setRateLimitHeaders(reply, limiter);
      if (result.retryAfter !== undefined) reply.header('Retry-After', String(result.retryAfter));
      if (result.replayed) reply.header('Idempotency-Replayed', 'true');
      const text = fault.decision === 'malformed' ? truncate(result.body) : result.body;
      return reply.code(result.status).type('application/json').send(text);
    } finally {
      limiter.release();
    }
  });
}

interface OperationResult {
  status: number;
  body: string;
  retryAfter?: number;
  replayed?: boolean;
  operationName?: string | null;
  /** A mutation was carried out (not replayed, not refused). */
  mutated?: boolean;
}

function runOperation(
  state: EmulatorState,
  request: FastifyRequest,
  account: EmuAccount,
  caller: EmuUser,
  version: ResolvedVersion,
  limiter: AccountLimiter,
  requestId: string,
): OperationResult {
  const fail = (status: number, ...entries: MondayErrorEntry[]): OperationResult => ({
    status,
    body: JSON.stringify(errorBody(account.id, requestId, ...entries)),
  });
  let payload: { query?: unknown; variables?: unknown; operationName?: unknown };
  try {
    payload = JSON.parse(String(request.body ?? ''));
  } catch (error) {
    limiter.countCall(10);
    return fail(400, {
      message: `JsonParseException: ${(error as Error).message}`,
      extensions: { code: 'JsonParseException', status_code: 400 },
    });
  }
  if (!payload || typeof payload !== 'object' || typeof payload.query !== 'string' || !payload.query.trim()) {
    limiter.countCall(10);
    return fail(400, {
      message: 'Bad request: the body must be a JSON object with a "query" string',
      extensions: { code: 'BadRequest', status_code: 400 },
    });
  }
  const variables =
    payload.variables && typeof payload.variables === 'object'
      ? (payload.variables as Record<string, unknown>)
      : {};
  const operationName = typeof payload.operationName === 'string' ? payload.operationName : undefined;

  let document: ReturnType<typeof parse>;
  try {
    document = parse(payload.query);
  } catch (error) {
    limiter.countCall(10);
    const e = error as GraphQLError;
    return fail(200, {
      message: parseErrorMessage(e),
      locations: e.locations?.map((l) => ({ line: l.line, column: l.column })),
      extensions: { code: 'PARSE_ERROR', status_code: 400 },
    });
  }
  const schema = state.schemas[version.schema];
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) {
    limiter.countCall(10);
    return fail(200, ...validationErrors.map(validationError));
  }
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation || (!operationName && operations.length > 1)) {
    limiter.countCall(10);
    return fail(200, {
      message: operationName
        ? `Unknown operation named "${operationName}"`
        : 'An operationName is required when the document has several operations',
      extensions: { code: 'INVALID_OPERATION', status_code: 400 },
    });
  }
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;

  const cost = queryComplexity(schema, operation, fragments, variables);
  const charge = limiter.charge(cost);
  if ('kind' in charge) {
    limiter.countCall(1);
    const { status, entry, retryAfter } = refusalError(charge);
    return { ...fail(status, entry), retryAfter };
  }
  limiter.countCall(isComplexityOnly(operation) ? 1 : 10);

  const idempotencyKey = operation.operation === 'mutation' ? header(request, 'idempotency-key') : undefined;
  if (idempotencyKey) {
    const started = state.beginIdempotent(account.id, idempotencyKey);
    if (started.kind === 'replay') return { status: started.status, body: started.body, replayed: true };
    if (started.kind === 'running') {
      return {
        ...fail(409, {
          message: 'A request with this Idempotency-Key is still being processed',
          extensions: { code: 'IDEMPOTENCY_CONFLICT', status_code: 409, retry_in_seconds: 1 },
        }),
        retryAfter: 1,
      };
    }
  }
  const context: ExecutionContext = {
    account,
    caller,
    version,
    now: new Date(state.now()),
    bends: state.faults.applies('graphql') ? state.faults.settings : noBends,
    teamMembers: operation.operation === 'query' ? once(() => membersByTeam(account)) : null,
    limiter,
    calendarAt: state.calendarNow(),
    complexity: {
      before: charge.before,
      after: charge.after,
      query: cost,
      reset_in_x_seconds: charge.resetInSeconds,
    },
  };
  const result = execute({
    schema,
    document,
    rootValue,
    contextValue: context,
    variableValues: variables,
    operationName,
  });
  if (result instanceof Promise) throw new Error('the emulator resolvers are synchronous');
  const body: Record<string, unknown> = { data: result.data ?? null };
  if (result.errors?.length)
    body.errors = errorBody(account.id, requestId, ...result.errors.map(executionError)).errors;
  body.extensions = { request_id: requestId };
  // monday adds the account id to error answers; a successful answer carries only data and extensions.
  if (body.errors) body.account_id = Number(account.id);
  const text = JSON.stringify(body);
  if (idempotencyKey) state.finishIdempotent(account.id, idempotencyKey, 200, text);
  return {
    status: 200,
    body: text,
    mutated: operation.operation === 'mutation',
    operationName: operation.name?.value ?? null,
  };
}

const tokenKinds: Record<string, string> = {
  '{': 'LCURLY',
  '}': 'RCURLY',
  '(': 'LPAREN',
  ')': 'RPAREN',
  '[': 'LBRACKET',
  ']': 'RBRACKET',
  ':': 'COLON',
  '=': 'EQUALS',
  '!': 'BANG',
  $: 'VAR_SIGN',
  '...': 'ELLIPSIS',
};

/** A syntax error in monday's parser's words: `Parse error on "}" (RCURLY) at [1, 10]`. */
function parseErrorMessage(error: GraphQLError): string {
  const at = error.locations?.[0];
  const where = at ? ` at [${at.line}, ${at.column}]` : '';
  const found = /(?:found|Unexpected) (?:Name |String |Int |Float )?("(?:[^"\\]|\\.)*"|<EOF>)/.exec(
    error.message,
  )?.[1];
  if (!found || found === '<EOF>') return `Unexpected end of document${where}`;
  const token = JSON.parse(found) as string;
  const kind =
    tokenKinds[token] ?? (/^\d/.test(token) ? 'INT' : /^\w+$/.test(token) ? 'IDENTIFIER' : 'STRING');
  return `Parse error on ${found} (${kind})${where}`;
}

function readToken(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const value = authorization.trim();
  return value.toLowerCase().startsWith('bearer ') ? value.slice(7).trim() : value;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function setRateLimitHeaders(reply: FastifyReply, limiter: AccountLimiter): void {
  const s = limiter.settings;
  const r = limiter.remaining();
  reply.header(
    'RateLimit-Policy',
    `"minuteRate";q=${s.requestsPerMinute};w=60, "concurrency";q=${s.concurrency};qu="concurrent-requests", "complexityMinute";q=${s.complexityPerMinute};w=60;qu="content-bytes"`,
  );
  const minuteReset = r.requests === 0 ? `;t=${r.requestsReset}` : '';
  reply.header(
    'RateLimit',
    `"minuteRate";r=${r.requests}${minuteReset}, "concurrency";r=${r.concurrency}, "complexityMinute";r=${r.complexity};t=${r.complexityReset}`,
  );
}

/** A value worked out on first use and kept. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | null = null;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}
