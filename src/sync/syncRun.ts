import type { MondayApi } from '../monday/mondayApi.ts';
import type { ConnectionsRepo } from '../store/connectionsRepo.ts';
import type { Store } from '../store/database.ts';
import type { DirectoryRepo } from '../store/directoryRepo.ts';
import type { HeldRemovalsRepo } from '../store/heldRemovalsRepo.ts';
import type { LeaseRepo } from '../store/leaseRepo.ts';
import type { SyncRunsRepo } from '../store/syncRunsRepo.ts';
import type { SyncStagingRepo } from '../store/syncStagingRepo.ts';
import type { TeamsRepo } from '../store/teamsRepo.ts';

/** The stores one sync reads and writes. */
export interface SyncRepos {
  runs: SyncRunsRepo;
  directory: DirectoryRepo;
  leases: LeaseRepo;
  staging: SyncStagingRepo;
  held: HeldRemovalsRepo;
  connections: ConnectionsRepo;
  teams: TeamsRepo;
}

/** A lease a sync holds on its connection while it runs. */
export interface HeldLease {
  fence: number;
  /** Set when a heartbeat found the lease taken over: the run must stop and write nothing. */
  lost: boolean;
  previousHolder: string | null;
  /** Stops heartbeating, once any beat in flight has landed. */
  stop(): Promise<void>;
}

/** One running sync: what each of its steps (read, confirm removals, publish) works on. */
export interface SyncRun {
  store: Store;
  repos: SyncRepos;
  connectionId: string;
  runId: string;
  api: MondayApi;
  lease: HeldLease;
  leaseMs: number;
  now: () => Date;
}
