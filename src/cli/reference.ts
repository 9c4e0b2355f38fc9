import type { Command, Option } from 'commander';
import { buildProgram } from './program.ts';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** Words outside code: `<` would open an HTML tag. */
const words = (text: string) => cell(text).replace(/</g, '&lt;');

function usage(command: Command, path: string[]): string {
  const args = command.registeredArguments.map((a) => {
    const name = `${a.name()}${a.variadic ? '...' : ''}`;
    return a.required ? `<${name}>` : `[${name}]`;
  });
  const options = command.options.length > 0 ? ['[options]'] : [];
  return ['seatwise', ...path, ...options, ...args].join(' ');
}

function optionRow(option: Option): string {
  const preset =
    option.defaultValue === undefined || option.defaultValue === false
      ? ''
      : `\`${Array.isArray(option.defaultValue) ? option.defaultValue.join(',') : String(option.defaultValue)}\``;
  const choices = option.argChoices ? ` (${option.argChoices.join(', ')})` : '';
  return `| \`${cell(option.flags)}\` | ${words(option.description)}${choices} | ${preset} |`;
}

function section(command: Command, path: string[], out: string[]): void {
  const visible = command.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  if (path.length > 0) {
    out.push(`## \`seatwise ${path.join(' ')}\``, '');
    if (command.description()) out.push(words(command.description()), '');
    if (command.aliases().length > 0)
      out.push(
        `Also: ${command
          .aliases()
          .map((a) => `\`${a}\``)
          .join(', ')}.`,
        '',
      );
    out.push('```', usage(command, path), '```', '');
    const options = command.options.filter((o) => !o.hidden);
    if (options.length > 0) {
      out.push('| option | meaning | default |', '| --- | --- | --- |');
      for (const o of options) out.push(optionRow(o));
      out.push('');
    }
    if (visible.length > 0)
      out.push(
        `Subcommands: ${visible.map((c) => `[\`${c.name()}\`](#${anchor([...path, c.name()])})`).join(', ')}.`,
        '',
      );
  }
  for (const sub of visible) section(sub, [...path, sub.name()], out);
}

/** The heading anchor GitHub gives `## \`seatwise a b\``. */
function anchor(path: string[]): string {
  return `seatwise-${path.join('-')}`.toLowerCase().replace(/[^a-z0-9 -]/g, '');
}

/**
 * The CLI reference (docs/cli-reference.md), generated from the commands' own definitions: every command, its
 * usage, options and defaults. `npm run docs:cli` writes it; a test fails when the file is stale.
 */
export function cliReference(program: Command = buildProgram()): string {
  const out: string[] = [
    '[← Seatwise](../README.md) · [all docs](README.md) · [the command line by task](cli.md)',
    '',
    '# CLI reference',
    '',
    "<!-- Generated from the commands' definitions by `npm run docs:cli`; do not edit by hand. -->",
    '',
    `${program.description()}. Every command takes \`--help\`. Exit codes: 0 ok, 2 bad input, 3 not found, 4 conflict, 5 refused, 6 monday failed, 7 an action left some targets out of the target state.`,
    '',
    '| command | what |',
    '| --- | --- |',
    ...program.commands
      .filter((c) => !(c as unknown as { _hidden?: boolean })._hidden)
      .map((c) => `| [\`${c.name()}\`](#${anchor([c.name()])}) | ${words(c.description())} |`),
    '',
  ];
  section(program, [], out);
  return `${out.join('\n').trimEnd()}\n`;
}
