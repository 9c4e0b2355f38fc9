import { z } from 'zod';
import { AppError } from '../domain/appError.ts';
import { licenses, statuses, storedRoles } from '../domain/directory.ts';
import type { Store } from '../store/database.ts';
import {
  type ChangeEventRow,
  DirectoryRepo,
  type DirectoryUserRow,
  type UserOrder,
} from '../store/directoryRepo.ts';
import { describeIssues } from './connectionInput.ts';

/** A synced user as every interface shows it; `id` is the monday user id. */
export interface UserView {
  connectionId: string;
  id: string;
  name: string;
  email: string;
  title: string;
  /** `other`: not a person (an agent, service or portal user); `kind` says which. */
  role: (typeof storedRoles)[number];
  /** monday's own kind, as it sent it. */
  kind: string | null;
  status: (typeof statuses)[number];
  license: (typeof licenses)[number] | null;
  lastActivityAt: string | null;
  createdAt: string | null;
  scimLinked: boolean;
  invitationMethod: string | null;
  removed: boolean;
}

/** The columns of a users export (CSV), the same in the CLI and the HTTP API. */
export const userExportColumns = [
  'connectionId',
  'id',
  'name',
  'email',
  'title',
  'role',
  'kind',
  'status',
  'license',
  'lastActivityAt',
  'createdAt',
  'scimLinked',
] as const;

export const userFiltersSchema = z.object({
  connectionId: z.string().min(1).optional(),
  role: z.enum(storedRoles).optional(),
  status: z.enum(statuses).optional(),
  license: z.enum(licenses).optional(),
  inactiveDays: z.coerce.number().int().min(0).max(36_500).optional(),
  search: z.string().max(200).optional(),
});
export type UserFiltersInput = z.input<typeof userFiltersSchema>;

export interface ChangeEventView {
  id: number;
  runId: string | null;
  kind: string;
  before: unknown;
  after: unknown;
  occurredAt: string;
}

/** Reads synced users with filters, and one user's history with the "why this license" explanation. */
export class UsersService {
  private readonly repo: DirectoryRepo;

  constructor(
    store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.repo = new DirectoryRepo(store.db, store.dialect);
  }

  async list(raw: UserFiltersInput, order?: UserOrder): Promise<UserView[]> {
    const rows = await this.repo.query({ ...this.filters(raw), now: this.now() }, order);
    return rows.map(toUserView);
  }

  /** One page of users in the given order, with the total that match. */
  async page(
    raw: UserFiltersInput,
    order: UserOrder & { limit: number; offset: number },
  ): Promise<{ users: UserView[]; total: number }> {
    const filters = { ...this.filters(raw), now: this.now() };
    const [rows, total] = await Promise.all([this.repo.query(filters, order), this.repo.count(filters)]);
    return { users: rows.map(toUserView), total };
  }

  private filters(raw: UserFiltersInput) {
    const parsed = userFiltersSchema.safeParse(raw);
    if (!parsed.success) throw new AppError('invalid_input', 'invalid_filter', describeIssues(parsed.error));
    return parsed.data;
  }

  async get(
    connectionId: string,
    userId: string,
  ): Promise<UserView & { explanation: string; history: ChangeEventView[] }> {
    const row = await this.repo.get(connectionId, userId);
    if (!row)
      throw new AppError(
        'not_found',
        'user_not_found',
        `no synced user ${userId} in connection ${connectionId}`,
      );
    const events = await this.repo.events(connectionId, { remoteUserId: userId });
    return { ...toUserView(row), explanation: row.explanation, history: events.map(toEventView) };
  }

  async changes(connectionId: string, runId: string): Promise<(ChangeEventView & { userId: string })[]> {
    const events = await this.repo.events(connectionId, { runId });
    return events.map((e) => ({ ...toEventView(e), userId: e.remote_user_id }));
  }
}

function toUserView(row: DirectoryUserRow): UserView {
  return {
    connectionId: row.connection_id,
    id: row.remote_id,
    name: row.name,
    email: row.email,
    title: row.title,
    role: row.role as UserView['role'],
    kind: row.kind,
    status: row.status as UserView['status'],
    license: row.license as UserView['license'],
    lastActivityAt: row.last_activity_at,
    createdAt: row.remote_created_at,
    scimLinked: Boolean(Number(row.scim_linked)),
    invitationMethod: row.invitation_method,
    removed: row.removed_at !== null,
  };
}

function toEventView(row: ChangeEventRow): ChangeEventView {
  return {
    id: row.id,
    runId: row.run_id,
    kind: row.kind,
    before: row.before_value === null ? null : JSON.parse(row.before_value),
    after: row.after_value === null ? null : JSON.parse(row.after_value),
    occurredAt: row.occurred_at,
  };
}
