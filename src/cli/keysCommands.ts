import type { Command } from 'commander';
import { roleMeaning, seatwiseRoles } from '../domain/roles.ts';
import { actor } from './actionCommands.ts';
import { withSeatwise } from './context.ts';
import { ago, printJson, printTable } from './output.ts';
import { oneOf } from './parsers.ts';

/** `seatwise keys create|list|revoke`: API keys for the HTTP API and the web UI. */
export function registerKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description(
      `Manage API keys; a key has one of four roles: ${seatwiseRoles.map((r) => `${r} (${roleMeaning[r]})`).join('; ')}`,
    );
  keys
    .command('create')
    .description('Create an API key; it is shown once')
    .requiredOption('--role <role>', seatwiseRoles.join('|'), oneOf(seatwiseRoles))
    .option('--name <name>', 'a name to recognise it by')
    .option(
      '--for <email>',
      'issue it for a person of Seatwise: it signs in as them and acts with at most their role (a reviewer key needs one)',
    )
    .option('--json', 'print {"id","key","role"} as JSON')
    .action(async (flags) => {
      const created = await withSeatwise(
        (app) => app.keys.create(flags.role, flags.name, { actor: actor(), forEmail: flags.for ?? null }),
        { create: true },
      );
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ id: created.id, key: created.key, role: created.role })}\n`);
        return;
      }
      process.stdout.write(
        `Created ${created.role} key ${created.id} (${created.name})${created.owner ? ` for ${created.owner.email}` : ''}. Store it now; it will not be shown again:\n\n    ${created.key}\n\n`,
      );
    });
  keys
    .command('list')
    .description('List API keys (never the keys themselves)')
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const list = await withSeatwise((app) => app.keys.list());
      if (flags.json) return printJson(list);
      if (list.length === 0) {
        process.stdout.write('No API keys yet. Create one with: seatwise keys create --role admin\n');
        return;
      }
      printTable(
        ['ID', 'NAME', 'ROLE', 'OWNER', 'CREATED', 'LAST USED', 'REVOKED'],
        list.map((k) => [
          k.id,
          k.name,
          k.role,
          k.owner?.email ?? '',
          k.createdAt,
          ago(k.lastUsedAt),
          k.revokedAt ?? '',
        ]),
      );
    });
  keys
    .command('revoke <id>')
    .description('Revoke an API key (its sessions end too)')
    .option('--json', 'print JSON')
    .action(async (id: string, flags) => {
      await withSeatwise((app) => app.keys.revoke(id, actor()));
      if (flags.json) return printJson({ id, revoked: true });
      process.stdout.write(`Revoked API key ${id}.\n`);
    });
}
