import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api.ts';
import { Loading, QueryError } from '../components/States.tsx';
import { useConnections } from '../hooks.ts';
import { useIsAdmin } from '../session.tsx';

/**
 * The organisation's settings: its own email domains (offboarding reaches jane@acme.co.uk for jane@acme.com;
 * insights report guests on them), and where each account's own settings are.
 */
export function OrganisationPage() {
  const canAct = useIsAdmin();
  const queryClient = useQueryClient();
  const settings = useQuery({
    queryKey: ['settings'],
    queryFn: () => api<{ orgDomains: string[] }>('GET', '/api/settings'),
  });
  const connections = useConnections();
  const [draft, setDraft] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (orgDomains: string[]) =>
      api<{ orgDomains: string[] }>('PUT', '/api/settings', { orgDomains }),
    onSuccess: (data) => {
      queryClient.setQueryData(['settings'], data);
      setDraft(null);
      setSaved(true);
    },
  });
  const text = draft ?? settings.data?.orgDomains.join('\n') ?? '';
  return (
    <section aria-labelledby="org-title">
      <h1 id="org-title">Organisation settings</h1>
      {settings.isPending && <Loading what="the settings" lines={4} />}
      {settings.isError && (
        <QueryError error={settings.error} what="the settings" retry={() => settings.refetch()} />
      )}
      {settings.data && (
        <form
          className="panel"
          onSubmit={(e) => {
            e.preventDefault();
            setSaved(false);
            save.mutate(
              text
                .split(/[\s,;]+/)
                .map((d) => d.trim())
                .filter(Boolean),
            );
          }}
        >
          <div className="field">
            <label htmlFor="org-domains">Your organisation's email domains</label>
            <textarea
              id="org-domains"
              rows={4}
              value={text}
              readOnly={!canAct}
              aria-describedby="org-domains-help"
              onChange={(e) => {
                setDraft(e.target.value);
                setSaved(false);
              }}
            />
            <p className="help" id="org-domains-help">
              One per line, such as acme.com. Offboarding someone at one of them also finds the same name at
              the others; the dashboard lists guests whose address is on one of them.
            </p>
          </div>
          {save.isError && (
            <p className="error-box" role="alert">
              {(save.error as Error).message}
            </p>
          )}
          {saved && (
            <p className="status ok" role="status">
              Saved: {settings.data.orgDomains.length ? settings.data.orgDomains.join(', ') : 'no domains'}.
            </p>
          )}
          {canAct && (
            <div className="buttons">
              <button type="submit" className="primary" disabled={save.isPending || draft === null}>
                {save.isPending ? 'Saving…' : 'Save domains'}
              </button>
            </div>
          )}
        </form>
      )}
      <h2>Each account's settings</h2>
      <p className="muted">
        Inactivity threshold, seat price, schedule, notifications and removal holds are set per account.
      </p>
      <ul>
        {connections.data?.map((c) => (
          <li key={c.id}>
            <Link href={`/connections/${c.id}/settings`}>{c.accountName}</Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
