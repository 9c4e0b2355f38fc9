/** A chart with its title, and its figures in words for those who cannot see it. */
export function Figure({
  title,
  summary,
  children,
}: {
  title: string;
  summary: string;
  children: React.ReactNode;
}) {
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-box" role="img" aria-label={`${title}: ${summary}`}>
        {children}
      </div>
    </figure>
  );
}

/** An amount in its currency, as the browser's locale writes it. */
export function money(amount: number, currency: string): string {
  try {
    return amount.toLocaleString(undefined, { style: 'currency', currency });
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}
