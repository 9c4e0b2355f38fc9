import type { Command } from 'commander';
import type { PersonView } from '../app/peopleService.ts';
import { seatwiseRoles } from '../domain/roles.ts';
import { actor } from './actionCommands.ts';
import { withSeatwise } from './context.ts';
import { printJson, printTable } from './output.ts';
import { oneOf } from './parsers.ts';

function printPeople(people: PersonView[]): void {
  if (people.length === 0) {
    process.stdout.write('Nobody yet: invite someone with seatwise people invite EMAIL --role ROLE.\n');
    return;
  }
  printTable(
    ['ID', 'EMAIL', 'NAME', 'ROLE', 'FROM', 'LAST SIGN-IN', 'STATE'],
    people.map((p) => [
      p.id,
      p.email,
      p.name ?? '-',
      p.role ?? 'none',
      p.roleSource === 'both' ? 'stricter of Seatwise and provider' : p.roleSource,
      p.lastSignInAt ?? 'never',
      p.disabled ? 'disabled' : 'active',
    ]),
  );
}

async function listPeople(flags: { json?: boolean }): Promise<void> {
  const list = await withSeatwise((app) => app.people.list());
  if (flags.json) return printJson(list);
  printPeople(list);
}

/** `seatwise people [list|invite|set-role|disable|enable]`: who signs in to Seatwise and with which role. */
export function registerPeopleCommands(program: Command): void {
  const people = program
    .command('people')
    .description('People who sign in to Seatwise: list, invite, set-role, disable, enable')
    .option('--json', 'print JSON')
    .action(listPeople);
  people
    .command('list')
    .description('Everyone, with their role, where it came from and their last sign-in')
    .option('--json', 'print JSON')
    .action(listPeople);
  people
    .command('invite <email>')
    .description('Invite someone by email before their first sign-in')
    .option('--role <role>', seatwiseRoles.join('|'), oneOf(seatwiseRoles), 'viewer')
    .option('--name <name>', 'their name')
    .option('--json', 'print JSON')
    .action(async (email: string, flags) => {
      const person = await withSeatwise((app) =>
        app.people.invite({ email, role: flags.role, name: flags.name }, actor()),
      );
      if (flags.json) return printJson(person);
      process.stdout.write(`Invited ${person.email} as ${person.role} (${person.id}).\n`);
    });
  people
    .command('set-role <id> <role>')
    .description(`Give a person a role in Seatwise (${seatwiseRoles.join(', ')})`)
    .option('--json', 'print JSON')
    .action(async (id: string, role: string, flags) => {
      const person = await withSeatwise((app) => app.people.setRole(id, role, actor()));
      if (flags.json) return printJson(person);
      process.stdout.write(
        `${person.email} is now ${person.role}${person.roleSource === 'both' ? ' (the stricter of the role given here and the one from the identity provider)' : ''}.\n`,
      );
    });
  for (const [command, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    people
      .command(`${command} <id>`)
      .description(
        disabled ? 'Disable a person: their sessions end at once' : 'Let a disabled person sign in again',
      )
      .option('--json', 'print JSON')
      .action(async (id: string, flags) => {
        const person = await withSeatwise((app) => app.people.setDisabled(id, disabled, actor()));
        if (flags.json) return printJson(person);
        process.stdout.write(`${person.email} is ${person.disabled ? 'disabled' : 'enabled'}.\n`);
      });
  }
}
