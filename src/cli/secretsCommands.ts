import type { Command } from 'commander';
import { withSeatwise } from './context.ts';
import { printJson } from './output.ts';

/** `seatwise secrets rotate`: re-seals every stored monday token under a new key. */
export function registerSecretsCommands(program: Command): void {
  const secrets = program
    .command('secrets')
    .description('Manage the key that seals stored monday tokens (subcommand: rotate)');
  secrets
    .command('rotate')
    .description(
      'Re-seal every stored token under a new key while Seatwise runs. Embedded: a new key replaces the one in the key file. With SEATWISE_SECRET_KEY: set it to the new key and SEATWISE_PREVIOUS_SECRET_KEYS to the old one on every process first',
    )
    .option('--json', 'print {"keyId","resealed","alreadyCurrent","newKeyGenerated"} as JSON')
    .action(async (flags) => {
      const result = await withSeatwise((app) => app.rotateSecrets());
      if (flags.json) return printJson(result);
      const tokens = (n: number) => `${n} token${n === 1 ? '' : 's'}`;
      process.stdout.write(
        `Every stored token is now sealed with key ${result.keyId}: ${tokens(result.resealed)} re-sealed, ${tokens(result.alreadyCurrent)} already under it.\n`,
      );
      process.stdout.write(
        result.newKeyGenerated
          ? 'The key file holds only the new key; the old key is no longer needed.\n'
          : 'The previous keys are no longer needed: remove SEATWISE_PREVIOUS_SECRET_KEYS from every process.\n',
      );
    });
}
