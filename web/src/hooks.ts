import { useQuery } from '@tanstack/react-query';
import { api } from './api.ts';
import type { Capabilities, Connection } from './types.ts';

/** Every connection; polled while one syncs, so cards move from syncing to connected by themselves. */
export function useConnections() {
  return useQuery({
    queryKey: ['connections'],
    queryFn: async () => (await api<{ connections: Connection[] }>('GET', '/api/connections')).connections,
    refetchInterval: (query) => (query.state.data?.some((c) => c.status === 'syncing') ? 1500 : false),
  });
}

export function useCapabilities(connectionId: string | undefined) {
  return useQuery({
    queryKey: ['capabilities', connectionId],
    queryFn: () => api<Capabilities>('GET', `/api/connections/${connectionId}/capabilities`),
    enabled: Boolean(connectionId),
  });
}
