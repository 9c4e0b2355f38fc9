import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { createColumnHelper, tableFeatures, useTable } from '@tanstack/react-table';
import { useMemo, useRef, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api, query } from '../api.ts';
import { ActionDialog, type DialogAction } from '../components/ActionDialog.tsx';
import { useAccountName } from '../components/ConnectionFilter.tsx';
import { cursorHandlers, Pager } from '../components/Pager.tsx';
import { Empty, QueryError } from '../components/States.tsx';
import { day, licenseLabel, plural, roleLabel } from '../format.ts';
import { useCapabilities, useConnections } from '../hooks.ts';
import { useCanAct } from '../session.tsx';
import type { UsersPage as Page, Team, User } from '../types.ts';

const PAGE_SIZE = 50;
const features = tableFeatures({});
const helper = createColumnHelper<typeof features, User>();
const noUsers: User[] = [];
// Rows that hold the table's place while the first page loads.
const placeholders = Array.from({ length: 10 }, (_, i) => `placeholder-${i}`);

const sortable: Record<string, string> = {
  name: 'name',
  email: 'email',
  role: 'role',
  status: 'status',
  license: 'license',
  lastActivityAt: 'lastActivityAt',
};

const filterNames = [
  'connectionId',
  'search',
  'role',
  'status',
  'license',
  'inactiveDays',
  'team',
  'sort',
  'order',
] as const;
type Filters = Partial<Record<(typeof filterNames)[number], string>>;

/** Synced users with server-side search, filters, sorting and pages; selected users can be acted on. */
export function UsersPage() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters: Filters = useMemo(() => {
    const params = new URLSearchParams(search);
    return Object.fromEntries(filterNames.flatMap((n) => (params.get(n) ? [[n, params.get(n)!]] : [])));
  }, [search]);
  const setFilters = (next: Filters) => navigate(`/users${query(next)}`);
  // Inputs keep what is typed in them; clearing starts them afresh.
  const [resets, setResets] = useState(0);
  const typingTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const apply = (form: HTMLFormElement, delayMs: number) => {
    clearTimeout(typingTimer.current);
    const data = new FormData(form);
    const next: Filters = {};
    for (const name of filterNames) {
      const value = data.get(name);
      if (typeof value === 'string' && value.trim()) next[name] = value.trim();
    }
    const go = () => setFilters({ ...next, sort: filters.sort, order: filters.order });
    if (delayMs === 0) go();
    else typingTimer.current = setTimeout(go, delayMs);
  };

  // Pages are keyset pages: the cursors of the pages before this one, to go back.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [selected, setSelected] = useState<Map<string, User>>(new Map());
  const [dialog, setDialog] = useState<DialogAction | null>(null);
  const cursor = cursors[cursors.length - 1];
  const key = JSON.stringify(filters);
  const [lastKey, setLastKey] = useState(key);
  if (key !== lastKey) {
    setLastKey(key);
    setCursors([undefined]);
    setSelected(new Map());
  }

  const page = useQuery({
    queryKey: ['users', filters, cursor],
    queryFn: () => api<Page>('GET', `/api/users${query({ ...filters, limit: PAGE_SIZE, cursor })}`),
    placeholderData: keepPreviousData,
  });
  const total = useQuery({
    queryKey: ['users-total', filters],
    queryFn: async () =>
      (await api<Page>('GET', `/api/users${query({ ...filters, limit: 1, total: 'true' })}`)).total ?? 0,
  });
  const connections = useConnections();
  const accountName = useAccountName();
  const teams = useQuery({
    queryKey: ['teams', filters.connectionId ?? null],
    queryFn: () =>
      api<{ teams: Team[] }>('GET', `/api/teams${query({ connectionId: filters.connectionId })}`),
  });
  const filteredTeam = teams.data?.teams.find((t) => t.id === filters.team);
  // Users of several accounts side by side: each row says whose it is.
  const showAccount = !filters.connectionId && (connections.data?.length ?? 0) > 1;
  const canAct = useCanAct();
  const selectedUsers = [...selected.values()];
  const actingOn =
    filters.connectionId ??
    (new Set(selectedUsers.map((u) => u.connectionId)).size === 1
      ? selectedUsers[0]?.connectionId
      : undefined);
  const capabilities = useCapabilities(actingOn);
  const can = (action: string) =>
    capabilities.data?.actions.some((a) => a.action === action && a.available) ?? false;

  const sortBy = (column: string) => {
    const order = filters.sort === column && filters.order !== 'desc' ? 'desc' : undefined;
    setFilters({ ...filters, sort: column, order });
  };

  const columns = useMemo(
    () =>
      helper.columns([
        helper.display({
          id: 'select',
          header: () => <span className="sr-only">Select</span>,
          cell: ({ row }) => (
            <input
              type="checkbox"
              aria-label={`Select ${row.original.name}`}
              checked={selected.has(`${row.original.connectionId}/${row.original.id}`)}
              onChange={(e) => {
                const next = new Map(selected);
                const id = `${row.original.connectionId}/${row.original.id}`;
                if (e.target.checked) next.set(id, row.original);
                else next.delete(id);
                setSelected(next);
              }}
            />
          ),
        }),
        helper.accessor('name', {
          header: 'Name',
          cell: (info) => (
            <Link href={`/users/${info.row.original.connectionId}/${info.row.original.id}`}>
              {info.getValue()}
            </Link>
          ),
        }),
        helper.accessor('email', { header: 'Email' }),
        ...(showAccount
          ? [
              helper.accessor('connectionId', {
                header: 'Account',
                cell: (info) => accountName(info.getValue()),
              }),
            ]
          : []),
        helper.accessor('role', {
          header: 'Role',
          cell: (info) => roleLabel[info.getValue()] ?? info.getValue(),
        }),
        helper.accessor('status', { header: 'Status' }),
        helper.accessor('license', {
          header: 'License',
          cell: (info) => licenseLabel[info.getValue() ?? ''] ?? '—',
        }),
        helper.accessor('lastActivityAt', { header: 'Last active', cell: (info) => day(info.getValue()) }),
        helper.accessor('teams', {
          header: 'Teams',
          cell: (info) => {
            const list = info.getValue() ?? [];
            if (list.length === 0) return <span className="muted">—</span>;
            return list.map((t, i) => (
              <span key={t.id}>
                {i > 0 && ', '}
                <Link href={`/teams/${info.row.original.connectionId}/${t.id}`}>{t.name}</Link>
              </span>
            ));
          },
        }),
      ]),
    [selected, showAccount, accountName],
  );
  const table = useTable({ features, columns, data: page.data?.users ?? noUsers });

  return (
    <section aria-labelledby="users-title">
      <div className="page-head">
        <h1 id="users-title">Users</h1>
        <a className="button" href={`/api/users${query({ ...filters, format: 'csv' })}`} download>
          Export CSV
        </a>
      </div>
      <form
        className="filters"
        aria-label="Filter users"
        onSubmit={(e) => {
          e.preventDefault();
          apply(e.currentTarget, 0);
        }}
        onChange={(e) => {
          // Lists filter as one types or picks: choices at once, typing after a short pause.
          const typing = (e.target as HTMLElement).tagName === 'INPUT';
          apply(e.currentTarget, typing ? 350 : 0);
        }}
      >
        <label>
          Search
          <input
            name="search"
            type="search"
            defaultValue={filters.search ?? ''}
            placeholder="name or email"
            key={`s${resets}`}
          />
        </label>
        <label>
          Account
          <select name="connectionId" defaultValue={filters.connectionId ?? ''} key={`c${resets}`}>
            <option value="">All accounts</option>
            {connections.data?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.accountName}
              </option>
            ))}
          </select>
        </label>
        <Select
          name="role"
          label="Role"
          value={filters.role}
          options={['admin', 'member', 'viewer', 'guest', 'other']}
          k={String(resets)}
        />
        <Select
          name="status"
          label="Status"
          value={filters.status}
          options={['active', 'pending', 'deactivated']}
          k={String(resets)}
        />
        <Select
          name="license"
          label="License"
          value={filters.license}
          options={['member', 'viewer', 'guest', 'guest,viewer', 'none']}
          k={String(resets)}
        />
        <label>
          Team
          <select name="team" defaultValue={filters.team ?? ''} key={`t${resets}`}>
            <option value="">Any</option>
            {teams.data?.teams.map((t) => (
              <option key={`${t.connectionId}/${t.id}`} value={t.id}>
                {t.name}
                {showAccount ? ` (${t.accountName})` : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Inactive for (days)
          <input
            name="inactiveDays"
            type="number"
            min={0}
            max={36500}
            defaultValue={filters.inactiveDays ?? ''}
            key={`i${resets}`}
          />
        </label>
        <button
          type="button"
          onClick={() => {
            clearTimeout(typingTimer.current);
            setResets(resets + 1);
            setFilters({});
          }}
        >
          Clear filters
        </button>
      </form>

      {canAct && (
        <div className="toolbar" role="toolbar" aria-label="Actions on selected users">
          <span>{selected.size ? `${selected.size} selected` : 'Select users to act on them'}</span>
          <button
            type="button"
            disabled={!selected.size || !actingOn || !can('set_role')}
            onClick={() => setDialog('set_role')}
          >
            Change role…
          </button>
          <button
            type="button"
            disabled={!selected.size || !actingOn || !can('deactivate')}
            onClick={() => setDialog('deactivate')}
          >
            Deactivate…
          </button>
          <button
            type="button"
            disabled={
              !selected.size ||
              !actingOn ||
              !can('reactivate') ||
              !selectedUsers.some((u) => u.status === 'deactivated')
            }
            title={
              selected.size && !selectedUsers.some((u) => u.status === 'deactivated')
                ? 'Only deactivated users can be reactivated'
                : undefined
            }
            onClick={() => setDialog('reactivate')}
          >
            Reactivate…
          </button>
          <button
            type="button"
            disabled={!filters.connectionId || !can('invite')}
            onClick={() => setDialog('invite')}
          >
            Invite users…
          </button>
          <button
            type="button"
            disabled={!filters.connectionId || !can('create')}
            title={
              filters.connectionId && !can('create')
                ? 'Creating users needs SCIM: an Enterprise account with a SCIM token (see Capabilities)'
                : undefined
            }
            onClick={() => setDialog('create')}
          >
            Create user…
          </button>
          <button
            type="button"
            disabled={!selected.size || !actingOn || !can('add_to_team')}
            onClick={() => setDialog('add_to_team')}
          >
            Add to team…
          </button>
          <button
            type="button"
            disabled={!selected.size || !actingOn || !can('remove_from_team')}
            onClick={() => setDialog('remove_from_team')}
          >
            Remove from team…
          </button>
          {!actingOn && selected.size > 0 && (
            <span className="muted">Actions need users of one account.</span>
          )}
          {!filters.connectionId && (
            <span className="muted">Choose an account to invite or create users.</span>
          )}
        </div>
      )}

      <p className="count" aria-live="polite">
        {total.data === undefined
          ? ' '
          : `${plural(total.data, 'user')} ${total.data === 1 ? 'matches' : 'match'}${
              total.data > PAGE_SIZE
                ? ` · page ${cursors.length} of ${Math.ceil(total.data / PAGE_SIZE)}`
                : ''
            }`}
      </p>
      {page.isError && <QueryError error={page.error} what="users" retry={() => page.refetch()} />}
      <div className="table-wrap" aria-busy={page.isFetching}>
        <table className="grid">
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const column = sortable[header.column.id];
                  const sorted = column && (filters.sort ?? 'name') === column;
                  return (
                    <th
                      key={header.id}
                      scope="col"
                      aria-sort={sorted ? (filters.order === 'desc' ? 'descending' : 'ascending') : undefined}
                    >
                      {column ? (
                        <button type="button" className="sort" onClick={() => sortBy(column)}>
                          <table.FlexRender header={header} />
                          {sorted ? (filters.order === 'desc' ? ' ▼' : ' ▲') : ''}
                        </button>
                      ) : (
                        <table.FlexRender header={header} />
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {page.isPending &&
              placeholders.map((key) => (
                <tr key={key} className="placeholder">
                  <td colSpan={showAccount ? 9 : 8}>&nbsp;</td>
                </tr>
              ))}
            {table.getRowModel().rows.map((row) => (
              <tr key={`${row.original.connectionId}/${row.original.id}`}>
                {row.getAllCells().map((cell) => (
                  <td key={cell.id}>
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.data?.users.length === 0 && <Empty>No users match these filters.</Empty>}
      <Pager
        label="Pages"
        current={cursors.length}
        of={total.data === undefined ? undefined : Math.ceil(total.data / PAGE_SIZE)}
        {...cursorHandlers(cursors, setCursors, page.data?.nextCursor)}
      />
      {dialog && actingOn !== undefined && (
        <ActionDialog
          action={dialog}
          connectionId={actingOn}
          users={selectedUsers}
          capabilities={capabilities.data}
          team={
            dialog === 'remove_from_team' && filteredTeam && filteredTeam.connectionId === actingOn
              ? { id: filteredTeam.id, name: filteredTeam.name }
              : undefined
          }
          onClose={() => {
            setDialog(null);
            setSelected(new Map());
          }}
        />
      )}
    </section>
  );
}

function Select({
  name,
  label,
  value,
  options,
  k,
}: {
  name: string;
  label: string;
  value: string | undefined;
  options: string[];
  k: string;
}) {
  return (
    <label>
      {label}
      <select name={name} defaultValue={value ?? ''} key={`${name}${k}`}>
        <option value="">Any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o.replace(',', ' or ')}
          </option>
        ))}
      </select>
    </label>
  );
}
