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

/** A price: a non-negative amount with at most two decimals. */
export function price(value: string): number {
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(value.trim()))
    throw new InvalidArgumentError('expected an amount such as 12 or 9.50.');
  return Number(value);
}

/** A bucket's price (`50=600`: the 50-seat bucket costs 600 a month), collected into a table. */
export function bucketPrice(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const match = /^\s*([1-9]\d{0,6})\s*=\s*(\d{1,9}(\.\d{1,2})?)\s*$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected SEATS=PRICE, such as 50=600.');
  return { ...previous, [match[1]!]: Number(match[2]) };
}

/** A comma-separated list ("" gives none). */
export function commaList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}
