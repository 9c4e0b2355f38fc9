import { ApiError } from './api.ts';

interface Issue {
  path: string;
  message: string;
  value?: string;
}

/**
 * A refused form in the words of the form, not of the API: `body.emails.1 "bob@" is not …` becomes
 * `Email 2 "bob@" is not …`. `fields` names each field as its label says (a list field by what one item is).
 */
export function inFormWords(error: unknown, fields: Record<string, string> = {}): string {
  if (!(error instanceof ApiError)) return String((error as Error)?.message ?? error);
  const issues = error.details?.issues as Issue[] | undefined;
  if (!issues?.length) return error.message;
  return issues
    .map((issue) => {
      const keys = issue.path.split('.').filter(Boolean);
      if (['body', 'query', 'params', 'request'].includes(keys[0] ?? '')) keys.shift();
      const words: string[] = [];
      for (const key of keys)
        if (/^\d+$/.test(key)) words.push(String(Number(key) + 1));
        else words.push(fields[key] ?? key);
      const where = words.join(' ');
      const said = `${where.charAt(0).toUpperCase()}${where.slice(1)}`;
      const typed = issue.value !== undefined ? ` ${JSON.stringify(issue.value)}` : '';
      return `${said}${typed} ${issue.message}`.trim();
    })
    .join('; ');
}
