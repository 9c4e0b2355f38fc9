import type { RunningEmulator } from '../emulator/server.ts';
import type { ConnectionsService, ConnectionView } from './connections.ts';
import type { SyncService } from './syncService.ts';

/** The demo: monday's emulator, started in this process with sample data, so every page works without an account. */
const DEMO = { users: 500, plan: 'enterprise', seed: 2026 } as const;

/**
 * "Try with a demo account": starts the emulator in-process once, allows its address (it is Seatwise's own),
 * connects its Enterprise account with API and SCIM tokens and starts the first sync. Asking again while it runs
 * returns the same connection. The demo lives as long as the process.
 */
export class DemoAccount {
  private started: Promise<{ emulator: RunningEmulator; connectionId: string }> | null = null;

  constructor(
    private readonly connections: ConnectionsService,
    private readonly sync: SyncService,
  ) {}

  async start(): Promise<ConnectionView> {
    this.started ??= this.launch().catch((error) => {
      this.started = null;
      throw error;
    });
    const { connectionId } = await this.started;
    return this.connections.get(connectionId);
  }

  private async launch(): Promise<{ emulator: RunningEmulator; connectionId: string }> {
    const { startEmulator } = await import('../emulator/server.ts');
    const emulator = await startEmulator({ ...DEMO, host: '127.0.0.1', port: 0 });
    try {
      this.connections.allowEndpoint(new URL(emulator.url).origin);
      const account = emulator.describe().accounts[0]!;
      const connection = await this.connections.add({
        token: account.tokens.admin,
        scimToken: account.scimToken ?? undefined,
        apiUrl: emulator.graphqlUrl,
        scimUrl: emulator.scimUrl,
        permission: 'read_and_act',
      });
      await this.sync.start(connection.id, 'demo');
      return { emulator, connectionId: connection.id };
    } catch (error) {
      await emulator.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    const started = await this.started?.catch(() => null);
    await started?.emulator.close();
  }
}
