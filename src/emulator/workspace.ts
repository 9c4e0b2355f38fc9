import { GraphQLError } from 'graphql';
import type { EmuAccount, EmuAutomation, EmuBoard, EmuConnection, EmuUser } from './model.ts';
import type { Random } from './random.ts';
import { requireAdmin } from './userMutations.ts';
import { UserView } from './userView.ts';

/**
 * What people build in an account and what stops when they lose access, as monday documents it: deactivating a
 * person switches off the automations and integrations they created; a change to viewer switches off their
 * automations; reactivating them does not switch anything back on (the less convenient reading: monday does not
 * say it does). A board whose owners are all deactivated has no one to manage it.
 */

interface Context {
  account: EmuAccount;
  caller: EmuUser;
  now: Date;
}

const providers = ['gmail', 'outlook', 'slack', 'jira', 'github', 'zoom', 'hubspot', 'salesforce'] as const;
const boardWords = ['Roadmap', 'Hiring', 'Invoices', 'Onboarding', 'Sprint', 'Leads', 'Campaigns', 'Vendors'];
const automationTitles = [
  'When status changes to Done, notify the owner',
  'Every Monday, create an item for the weekly report',
  'When an invoice is overdue, email the client',
  'When a form is submitted, create an onboarding item',
  'When a date arrives, move the item to Due',
  'When a lead is created, assign a sales rep',
];

/** The account's boards, automations and integrations: most people own nothing, a few own many. */
export function seedWorkspace(account: EmuAccount, random: Random): void {
  const people = account.users.filter((u) => ['admin', 'member'].includes(u.kind));
  let boardId = Number(account.id) * 1000;
  let automationId = Number(account.id) * 10_000;
  let connectionId = Number(account.id.slice(-5)) * 1000;
  for (const person of people) {
    const roll = random.next();
    const boards = roll < 0.78 ? 0 : roll < 0.96 ? random.int(1, 2) : random.int(5, 12);
    for (let b = 0; b < boards; b++) {
      const kindRoll = random.next();
      const coOwner = random.chance(0.2) ? random.pick(people) : null;
      const board: EmuBoard = {
        id: String(++boardId),
        name: `${random.pick(boardWords)} ${b + 1}`,
        kind: kindRoll < 0.6 ? 'public' : kindRoll < 0.85 ? 'private' : 'share',
        state: random.chance(0.05) ? 'archived' : 'active',
        creatorId: person.id,
        ownerIds: coOwner && coOwner.id !== person.id ? [person.id, coOwner.id] : [person.id],
        subscriberIds: [],
        workspaceId: '1',
      };
      account.boards.push(board);
      for (let a = random.int(0, 3); a > 0; a--) {
        const at = new Date(person.createdAt.getTime() + random.int(0, 200) * 86_400_000);
        account.automations.push({
          id: String(++automationId),
          boardId: board.id,
          userId: person.id,
          title: random.pick(automationTitles),
          // Automations of people already deactivated were switched off then.
          active: person.status === 'ACTIVE',
          createdAt: at,
          updatedAt: at,
        });
      }
    }
    if (random.chance(0.08)) {
      const provider = random.pick(providers);
      account.connections.push({
        id: ++connectionId,
        userId: person.id,
        provider,
        name: `${provider} (${person.email})`,
        method: provider === 'jira' || provider === 'github' ? 'token_based' : 'oauth',
        state: person.status === 'ACTIVE' ? 'active' : 'inactive',
        createdAt: person.createdAt,
        updatedAt: person.createdAt,
      });
    }
  }
}

/**
 * What monday does when a person loses access: their automations stop (deactivated, or made a viewer), and
 * their integrations too when they are deactivated. Called after every change of kind or status.
 */
export function accessChanged(
  account: EmuAccount,
  user: EmuUser,
  before: { kind: EmuUser['kind']; status: EmuUser['status'] },
  now: Date,
): void {
  const deactivated = before.status !== 'INACTIVE' && user.status === 'INACTIVE';
  const madeViewer = before.kind !== 'view_only' && user.kind === 'view_only';
  if (!deactivated && !madeViewer) return;
  for (const automation of account.automations)
    if (automation.userId === user.id && automation.active) {
      automation.active = false;
      automation.updatedAt = now;
    }
  if (deactivated)
    for (const connection of account.connections)
      if (connection.userId === user.id && connection.state === 'active') {
        connection.state = 'inactive';
        connection.updatedAt = now;
      }
}

const badRequest = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'INVALID_ARGUMENT', status_code: 400, error_data: {} } });

/** Whether the caller may see a board: public ones, or private and shareable ones they own or follow. */
function visible(board: EmuBoard, caller: EmuUser): boolean {
  return (
    board.kind === 'public' || board.ownerIds.includes(caller.id) || board.subscriberIds.includes(caller.id)
  );
}

class BoardView {
  constructor(
    private readonly board: EmuBoard,
    private readonly account: EmuAccount,
  ) {}
  get id() {
    return this.board.id;
  }
  get name() {
    return this.board.name;
  }
  get board_kind() {
    return this.board.kind;
  }
  get state() {
    return this.board.state;
  }
  get workspace_id() {
    return this.board.workspaceId;
  }
  get url() {
    return `https://${this.account.slug}.monday.com/boards/${this.board.id}`;
  }
  get created_at() {
    return null;
  }
  private users(ids: string[]) {
    return ids.flatMap((id) => {
      const user = this.account.usersById.get(id);
      return user ? [new UserView(user, this.account)] : [];
    });
  }
  creator() {
    return this.users([this.board.creatorId])[0] ?? null;
  }
  owners() {
    return this.users(this.board.ownerIds);
  }
  subscribers() {
    return this.users(this.board.subscriberIds);
  }
}

/** `boards`: pages of `limit` (default 25) from `page` 1, active ones unless asked; private boards only to members. */
export function boards(
  args: {
    ids?: string[] | null;
    board_kind?: EmuBoard['kind'] | null;
    limit?: number | null;
    page?: number | null;
    state?: 'active' | 'all' | 'archived' | 'deleted' | null;
  },
  context: Context,
) {
  const limit = args.limit ?? 25;
  const page = args.page ?? 1;
  if (limit < 1 || page < 1) throw badRequest('limit and page must be positive');
  const state = args.state ?? 'active';
  const ids = args.ids ? new Set(args.ids.map(String)) : null;
  const shown = context.account.boards.filter(
    (b) =>
      visible(b, context.caller) &&
      (state === 'all' || b.state === state) &&
      (!args.board_kind || b.kind === args.board_kind) &&
      (!ids || ids.has(b.id)),
  );
  // monday caps a page at 100 boards without saying so: a client follows pages until one comes back short.
  const size = Math.min(limit, 100);
  return shown.slice((page - 1) * size, page * size).map((b) => new BoardView(b, context.account));
}

const AUTOMATIONS_PAGE = 50;

/**
 * `board_automations`: the account's automations in cursor pages (an admin's token), or one board's (at most one
 * board id). Another token sees only the automations its owner created: monday does not document what it shows
 * them, and less is the inconvenient reading.
 */
export function boardAutomations(
  args: { ids?: string[] | null; board_ids?: string[] | null; limit?: number | null; cursor?: string | null },
  context: Context,
) {
  if (args.board_ids && args.board_ids.length > 1) throw badRequest('board_ids accepts at most 1 board');
  if (args.ids && args.ids.length > 100) throw badRequest('ids accepts at most 100 automations');
  const limit = Math.min(Math.max(1, args.limit ?? AUTOMATIONS_PAGE), AUTOMATIONS_PAGE);
  let offset = 0;
  if (args.cursor) {
    const decoded = /^a(\d+)$/.exec(Buffer.from(args.cursor, 'base64url').toString());
    if (!decoded) throw badRequest('cursor is not a cursor from a previous page');
    offset = Number(decoded[1]);
  }
  const ids = args.ids ? new Set(args.ids.map(String)) : null;
  const board = args.board_ids?.[0] ? String(args.board_ids[0]) : null;
  const admin = context.caller.kind === 'admin';
  const all = context.account.automations.filter(
    (a) =>
      (admin || a.userId === context.caller.id) && (!ids || ids.has(a.id)) && (!board || a.boardId === board),
  );
  const items = all.slice(offset, offset + limit);
  const next = offset + limit < all.length ? Buffer.from(`a${offset + limit}`).toString('base64url') : null;
  return {
    cursor: next,
    items: items.map((a) => automationView(a)),
    legacy_automations: board ? [] : null,
  };
}

function automationView(a: EmuAutomation) {
  return {
    id: a.id,
    user_id: a.userId,
    active: a.active,
    title: a.title,
    description: null,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
    workflow_host_data: { id: a.boardId, type: 'board' },
  };
}

/** `account_connections`: every integration connection of the account, admins only, in pages (default 25). */
export function accountConnections(
  args: {
    page?: number | null;
    pageSize?: number | null;
    pagination?: { limit?: number; lastId?: number } | null;
  },
  context: Context,
) {
  requireAdmin(context);
  const all = [...context.account.connections].sort((a, b) => a.id - b.id);
  let rows: EmuConnection[];
  if (args.pagination) {
    const limit = Math.min(args.pagination.limit ?? 25, 100);
    rows = all
      .filter((c) => args.pagination?.lastId === undefined || c.id > args.pagination.lastId)
      .slice(0, limit);
  } else {
    const size = Math.min(args.pageSize ?? 25, 100);
    const page = args.page ?? 1;
    if (size < 1 || page < 1) throw badRequest('page and pageSize must be positive');
    rows = all.slice((page - 1) * size, page * size);
  }
  return rows.map((c) => ({
    id: c.id,
    accountId: Number(context.account.id),
    userId: Number(c.userId),
    provider: c.provider,
    name: c.name,
    method: c.method,
    providerAccountIdentifier: null,
    state: c.state,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  }));
}

/**
 * `add_users_to_board`: makes people owners or subscribers of a board; only its owners and admins may. Returns
 * the users added (monday's answer names them; it is not a read of the board, so a client reads it after).
 */
export function addUsersToBoard(
  args: { board_id: string; kind?: 'owner' | 'subscriber' | null; user_ids: string[] },
  context: Context,
) {
  const board = context.account.boards.find((b) => b.id === String(args.board_id) && b.state !== 'deleted');
  if (!board || !visible(board, context.caller))
    throw new GraphQLError(`Board ${args.board_id} not found`, {
      extensions: {
        code: 'ResourceNotFoundException',
        status_code: 404,
        error_data: { board_id: args.board_id },
      },
    });
  if (context.caller.kind !== 'admin' && !board.ownerIds.includes(context.caller.id))
    throw new GraphQLError('User unauthorized to perform action', {
      extensions: { code: 'USER_UNAUTHORIZED', status_code: 403, error_data: {} },
    });
  const kind = args.kind ?? 'subscriber';
  const added: UserView[] = [];
  for (const rawId of args.user_ids) {
    const user = context.account.usersById.get(String(rawId));
    // Only active people can own or follow a board: others are left out of the answer.
    if (user?.status !== 'ACTIVE' || !['admin', 'member', 'view_only', 'guest'].includes(user.kind)) continue;
    if (kind === 'owner' && user.kind === 'view_only') continue;
    const list = kind === 'owner' ? board.ownerIds : board.subscriberIds;
    if (!list.includes(user.id)) list.push(user.id);
    added.push(new UserView(user, context.account));
  }
  return added;
}
