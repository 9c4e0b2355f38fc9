import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { api, setCsrfToken, whenSignedOut } from './api.ts';
import { ErrorBox, Loading } from './components/States.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { CampaignPage } from './pages/CampaignPage.tsx';
import { CapabilitiesPage } from './pages/CapabilitiesPage.tsx';
import { ConnectPage } from './pages/ConnectPage.tsx';
import { IntegrationsPage } from './pages/IntegrationsPage.tsx';
import { MyReviewsPage } from './pages/MyReviewsPage.tsx';
import { OffboardPage } from './pages/OffboardPage.tsx';
import { OrganisationPage } from './pages/OrganisationPage.tsx';
import { PeoplePage } from './pages/PeoplePage.tsx';
import { PoliciesPage } from './pages/PoliciesPage.tsx';
import { ReviewsPage } from './pages/ReviewsPage.tsx';
import { RunsPage } from './pages/RunsPage.tsx';
import { ServiceUsersPage } from './pages/ServiceUsersPage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { TeamPage, TeamsPage } from './pages/TeamsPage.tsx';
import { UserPage } from './pages/UserPage.tsx';
import { UsersPage } from './pages/UsersPage.tsx';
import { SessionContext, ViewerNote } from './session.tsx';
import type { Session } from './types.ts';

// Charts are only needed on the dashboard and the savings page: loaded when one is opened.
const DashboardPage = lazy(() =>
  import('./pages/DashboardPage.tsx').then((m) => ({ default: m.DashboardPage })),
);
const SavingsPage = lazy(() => import('./pages/SavingsPage.tsx').then((m) => ({ default: m.SavingsPage })));

const nav = [
  ['/', 'Integrations'],
  ['/dashboard', 'Dashboard'],
  ['/savings', 'Savings'],
  ['/users', 'Users'],
  ['/teams', 'Teams'],
  ['/policies', 'Policies'],
  ['/offboard', 'Offboard'],
  ['/reviews', 'Reviews'],
  ['/my-reviews', 'My reviews'],
  ['/runs', 'Sync history'],
  ['/audit', 'Audit log'],
  ['/settings', 'Settings'],
  ['/people', 'People'],
] as const;

/** Where a signed-in person's role came from, in the header itself. */
const roleSourceShort: Record<NonNullable<Session['roleSource']>, string> = {
  seatwise: 'given in Seatwise',
  provider: 'from your identity provider',
  both: 'stricter of Seatwise and your identity provider',
  default: 'the default for sign-ins',
  none: '',
};

/** Where a signed-in person's role came from, as the header's tooltip says it. */
const roleSourceWords: Record<NonNullable<Session['roleSource']>, string> = {
  seatwise: 'role given in Seatwise',
  provider: "role from your identity provider's groups",
  both: "the stricter of the role given in Seatwise and your identity provider's groups",
  default: 'the default role of people who sign in',
  none: 'no role',
};

/** Drops every answer but the session's: the next person signed in sees nothing of the last one's data. */
function forgetData(queryClient: QueryClient): void {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
}

export function App() {
  const queryClient = useQueryClient();
  const [signedOutMessage, setSignedOutMessage] = useState<string | null>(null);
  const session = useQuery({
    queryKey: ['session'],
    queryFn: async () => {
      try {
        return await api<Session>('GET', '/api/session');
      } catch {
        return null;
      }
    },
    staleTime: Number.POSITIVE_INFINITY,
  });

  useEffect(() => {
    whenSignedOut(() => {
      setCsrfToken(null);
      setSignedOutMessage(
        'Your session has ended: it expired, or your access (or its API key) was taken away. Sign in again.',
      );
      queryClient.setQueryData(['session'], null);
    });
  }, [queryClient]);

  if (session.isPending) return <Loading what="Seatwise" />;
  if (!session.data) {
    return (
      <SignInPage
        message={signedOutMessage}
        onSignedIn={(signedIn) => {
          setCsrfToken(signedIn.csrfToken ?? null);
          setSignedOutMessage(null);
          forgetData(queryClient);
          queryClient.setQueryData(['session'], signedIn);
        }}
      />
    );
  }
  setCsrfToken(session.data.csrfToken ?? null);
  return <Shell session={session.data} />;
}

function Shell({ session }: { session: Session }) {
  const queryClient = useQueryClient();
  const [location] = useLocation();
  const signOut = async () => {
    const answer = await api<{ logoutUrl?: string } | null>('DELETE', '/api/session').catch(() => null);
    setCsrfToken(null);
    forgetData(queryClient);
    // Signed in with the identity provider: sign out there too; it sends the browser back here.
    if (answer?.logoutUrl) {
      window.location.assign(answer.logoutUrl);
      return;
    }
    queryClient.setQueryData(['session'], null);
  };
  const roleWord = session.role[0]!.toUpperCase() + session.role.slice(1);
  return (
    <SessionContext.Provider value={session}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Seatwise</span>
        <nav aria-label="Main">
          {(session.role === 'reviewer' ? nav.filter(([href]) => href === '/my-reviews') : nav)
            .filter(([href]) => href !== '/people' || session.role === 'admin')
            .map(([href, label]) => {
              const current =
                href === '/'
                  ? location === '/' || location.startsWith('/connect')
                  : location.startsWith(href);
              return (
                <Link key={href} href={href} aria-current={current ? 'page' : undefined}>
                  {label}
                </Link>
              );
            })}
        </nav>
        <span className="who">
          {session.person ? (
            <span title={session.person.email}>
              {session.person.name ?? session.person.email} ·{' '}
              <span title={roleSourceWords[session.roleSource ?? 'none']}>{roleWord}</span>
              {session.roleSource && roleSourceShort[session.roleSource] && (
                <span className="role-source"> ({roleSourceShort[session.roleSource]})</span>
              )}
            </span>
          ) : (
            <span title={session.owner ? `an API key of ${session.owner.email}` : 'an API key'}>
              {session.owner ? (session.owner.name ?? session.owner.email) : (session.keyName ?? 'API key')} ·{' '}
              {roleWord}
              {session.owner ? ` (key ${session.keyName})` : ' key'}
            </span>
          )}{' '}
          <button type="button" className="link" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <ViewerNote />
        {session.role === 'reviewer' ? (
          <Switch>
            <Route path="/my-reviews" component={MyReviewsPage} />
            <Route>
              <MyReviewsPage />
            </Route>
          </Switch>
        ) : (
          <Switch>
            <Route path="/" component={IntegrationsPage} />
            <Route path="/connect" component={ConnectPage} />
            <Route path="/connections/:id/capabilities">{(p) => <CapabilitiesPage id={p.id} />}</Route>
            <Route path="/connections/:id/settings">{(p) => <SettingsPage id={p.id} />}</Route>
            <Route path="/connections/:id/service-users">{(p) => <ServiceUsersPage id={p.id} />}</Route>
            <Route path="/dashboard">
              {() => (
                <Suspense fallback={<Loading what="the dashboard" lines={16} />}>
                  <DashboardPage />
                </Suspense>
              )}
            </Route>
            <Route path="/dashboard/:id">
              {(p) => (
                <Suspense fallback={<Loading what="the dashboard" lines={16} />}>
                  <DashboardPage id={p.id} />
                </Suspense>
              )}
            </Route>
            <Route path="/savings">
              {() => (
                <Suspense fallback={<Loading what="savings" lines={12} />}>
                  <SavingsPage />
                </Suspense>
              )}
            </Route>
            <Route path="/savings/:id">
              {(p) => (
                <Suspense fallback={<Loading what="savings" lines={12} />}>
                  <SavingsPage id={p.id} />
                </Suspense>
              )}
            </Route>
            <Route path="/users" component={UsersPage} />
            <Route path="/users/:connectionId/:userId">
              {(p) => <UserPage connectionId={p.connectionId} userId={p.userId} />}
            </Route>
            <Route path="/teams" component={TeamsPage} />
            <Route path="/teams/:connectionId/:teamId">
              {(p) => <TeamPage connectionId={p.connectionId} teamId={p.teamId} />}
            </Route>
            <Route path="/policies" component={PoliciesPage} />
            <Route path="/offboard">
              {() => <OffboardPage canAct={session.role === 'admin' || session.role === 'operator'} />}
            </Route>
            <Route path="/reviews" component={ReviewsPage} />
            <Route path="/reviews/:id">{(p) => <CampaignPage id={p.id} />}</Route>
            <Route path="/my-reviews" component={MyReviewsPage} />
            <Route path="/runs" component={RunsPage} />
            <Route path="/audit" component={AuditPage} />
            <Route path="/settings" component={OrganisationPage} />
            <Route path="/people" component={PeoplePage} />
            <Route>
              <ErrorBox title="Page not found" message="There is nothing at this address." />
            </Route>
          </Switch>
        )}
      </main>
    </SessionContext.Provider>
  );
}
