/**
 * An amount in its currency with thousands separated (`$14,400.00`, `€7,200.00`), the same in the CLI and the
 * API's sentences; written in English, as every sentence Seatwise says is, so it does not change with the locale.
 */
export function money(amount: number, currency: string): string {
  try {
    return amount.toLocaleString('en-US', { style: 'currency', currency, minimumFractionDigits: 2 });
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}
