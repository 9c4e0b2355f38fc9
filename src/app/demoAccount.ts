import { AppError } from '../domain/appError.ts';
import type { RunningEmulator } from '../emulator/server.ts';
import {
  type AccountSnapshot,
  accountSnapshot,
  restoreSnapshot,
  snapshotProblem,
} from '../emulator/snapshot.ts';
import type { Store } from '../store/database.ts';
import { SettingsRepo } from '../store/settingsRepo.ts';
import { type ConnectionsService, type ConnectionView, DEMO_SETTING } from './connections.ts';
import type { SyncService } from './syncService.ts';

/** The demo: monday's emulator, started in this process with sample data, so every page works without an account. */
const DEMO = { users: 500, plan: 'enterprise', seed: 2026 } as const;
const DEMO_SEED_KEY = `seed ${DEMO.seed}, ${DEMO.users} users, ${DEMO.plan}`;
/** The sample account as it was after the last change monday carried out in it. */
export const DEMO_STATE_SETTING = 'demo_account_state';

/**
 * "Try with a demo account": starts the emulator in-process, allows its address (it is Seatwise's own), connects
 * its Enterprise account with API and SCIM tokens and starts the first sync. There is only ever one demo
 * connection: asking again returns it, and a restarted server starts the emulator again at a new address, with
 * the sample account as it was (every change monday carried out in it is stored before monday answers), and
 * points the same connection at it. Removing the demo connection forgets the account: a new demo starts afresh.
 * The emulator runs as long as the server process.
 */
export class DemoAccount {
  private started: Promise<{ emulator: RunningEmulator; connectionId: string }> | null = null;
  private readonly settings: SettingsRepo;

  constructor(
    store: Store,
    private readonly connections: ConnectionsService,
    private readonly sync: SyncService,
  ) {
    this.settings = new SettingsRepo(store.db);
  }

  /** The demo connection's id, when there is one (another process may have started it). */
  async connectionId(): Promise<string | null> {
    const id = await this.connections.demoId();
    if (!id) return null;
    const exists = await this.connections.get(id).then(
      () => true,
      (error) => {
        if (error instanceof AppError && error.kind === 'not_found') return false;
        throw error;
      },
    );
    return exists ? id : null;
  }

  async start(): Promise<ConnectionView> {
    const running = await this.started?.catch(() => null);
    if (running && (await this.connectionId()) !== running.connectionId) {
      // The demo connection was removed: its emulator goes with it, and a new demo starts afresh.
      this.started = null;
      await running.emulator.close();
    }
    this.started ??= this.launch().catch((error) => {
      this.started = null;
      throw error;
    });
    const { connectionId } = await this.started;
    return this.connections.get(connectionId);
  }

  /** On server start: a demo connected before the restart gets its emulator back. Nothing when there is none. */
  async resume(): Promise<ConnectionView | null> {
    if (!(await this.connectionId())) return null;
    return this.start();
  }

  private async launch(): Promise<{ emulator: RunningEmulator; connectionId: string }> {
    const { startEmulator } = await import('../emulator/server.ts');
    const emulator = await startEmulator({ ...DEMO, host: '127.0.0.1', port: 0 });
    try {
      const existing = await this.connectionId();
      await this.keepState(emulator, existing !== null);
      this.connections.allowEndpoint(new URL(emulator.url).origin);
      const account = emulator.describe().accounts[0]!;
      const endpoints = {
        token: account.tokens.admin,
        scimToken: account.scimToken ?? undefined,
        apiUrl: emulator.graphqlUrl,
        scimUrl: emulator.scimUrl,
      };
      let connectionId: string;
      if (existing) {
        // The same sample account at the emulator's new address: checked live like any new endpoint.
        await this.connections.update(existing, endpoints);
        connectionId = existing;
      } else {
        connectionId = (await this.connections.add({ ...endpoints, permission: 'read_and_act' })).id;
        await this.settings.set(DEMO_SETTING, connectionId);
        // It syncs when asked: a worker in another process cannot reach this process's emulator.
        await this.connections.update(connectionId, { syncSchedule: 'off' });
      }
      await this.sync.start(connectionId, 'demo');
      return { emulator, connectionId };
    } catch (error) {
      await emulator.close();
      throw error;
    }
  }

  /**
   * Puts back the sample account as it was when the demo connection is still there (else it starts afresh),
   * and stores it after every change monday carries out, before monday answers.
   */
  private async keepState(emulator: RunningEmulator, resume: boolean): Promise<void> {
    const account = emulator.accounts[0]!;
    const stored = resume ? await this.settings.get<unknown>(DEMO_STATE_SETTING, null) : null;
    if (stored !== null && snapshotProblem(stored, account, DEMO_SEED_KEY) === null)
      restoreSnapshot(account, stored as AccountSnapshot);
    let saving: Promise<void> = Promise.resolve();
    const save = () => {
      // One write at a time, each of the account as it is when the write starts: the last one is the newest.
      saving = saving
        .catch(() => undefined)
        .then(() =>
          this.settings.set(DEMO_STATE_SETTING, accountSnapshot(account, DEMO_SEED_KEY, new Date())),
        );
      return saving;
    };
    await save();
    emulator.state.onChange = (changed) => (changed === account ? save() : undefined);
  }

  async close(): Promise<void> {
    const started = await this.started?.catch(() => null);
    await started?.emulator.close();
  }
}
