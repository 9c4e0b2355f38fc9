import { InvalidArgumentError } from 'commander';

/** Option parsers that turn bad input into commander's clear "argument is invalid" errors. */
export function integerIn(min: number, max: number) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim()))
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

export function oneOf<T extends string>(values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of: ${values.join(', ')}.`);
    }
    return value as T;
  };
}

/** A repeatable option's values, in the order given (`--email a --email b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
