import { createContext, useContext } from 'react';
import { allows, type SeatwiseRole } from '../../src/domain/roles.ts';
import type { Session } from './types.ts';

/** The signed-in session, for pages that show or hide what its role may do. */
export const SessionContext = createContext<Session | null>(null);

/** The signed-in role (a viewer's when unknown: nothing is offered that might be refused). */
export function useRole(): SeatwiseRole {
  return useContext(SessionContext)?.role ?? 'viewer';
}

/** Whether the signed-in key may act (sync, actions, offboardings, policies and approvals): operator or admin. */
export function useCanAct(): boolean {
  return allows(useRole(), 'operator');
}

/** Whether the signed-in key may manage connections, keys and settings: admin only. */
export function useIsAdmin(): boolean {
  return allows(useRole(), 'admin');
}

/** Why controls are not offered to this role, said once at the top of every page. */
export function ViewerNote() {
  const role = useRole();
  const session = useContext(SessionContext);
  if (role === 'admin' || role === 'operator') return null;
  return (
    <p className="viewer-note" role="note">
      You are signed in {session?.kind === 'person' ? 'as a' : 'with a'} <strong>{role}</strong>
      {session?.kind === 'person' ? '' : ' key'}:{' '}
      {role === 'viewer'
        ? 'you can see everything, but syncing, actions and approvals need the operator or admin role, and connecting accounts and settings the admin role.'
        : 'you see the access reviews assigned to you; the other pages need the viewer role or higher.'}
    </p>
  );
}
