import { useConnections } from '../hooks.ts';

/** Picks one connected account, or all of them. */
export function ConnectionFilter({
  value,
  onChange,
}: {
  value: string | undefined;
  onChange: (id: string | undefined) => void;
}) {
  const connections = useConnections();
  return (
    <label>
      Account{' '}
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">All accounts</option>
        {connections.data?.map((c) => (
          <option key={c.id} value={c.id}>
            {c.accountName}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The account name of a connection id, for tables. */
export function useAccountName(): (id: string) => string {
  const connections = useConnections();
  return (id) => connections.data?.find((c) => c.id === id)?.accountName ?? id;
}
