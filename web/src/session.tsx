import { createContext, useContext } from 'react';
import type { Session } from './types.ts';

/** The signed-in session, for pages that show or hide what its role may do. */
export const SessionContext = createContext<Session | null>(null);

/** Whether the signed-in key may change things (connect, sync, act, approve, settings). */
export function useCanAct(): boolean {
  return useContext(SessionContext)?.role === 'admin';
}

/** Why a control is not offered to a viewer, said once at the top of every page. */
export function ViewerNote() {
  if (useCanAct()) return null;
  return (
    <p className="viewer-note" role="note">
      You are signed in with a <strong>viewer</strong> key: you can see everything, but connecting accounts,
      syncing, actions, approvals and settings need an admin key.
    </p>
  );
}
