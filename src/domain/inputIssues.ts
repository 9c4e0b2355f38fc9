import { z } from 'zod';
import { AppError } from './appError.ts';

/** One problem with a request's input: where (an API field path such as `emails.0`) and what. */
export interface InputIssue {
  path: string;
  message: string;
  /** The value given there, when it is short text (lets the CLI say `--email "bad"`). */
  value?: string;
}

// Plain words for the checks schemas do not word themselves, the same in the API and the CLI.
z.config({
  customError: (issue) => {
    if (issue.code === 'too_big' && issue.origin === 'string')
      return `must be at most ${issue.maximum} characters`;
    if (issue.code === 'too_small' && issue.origin === 'string')
      return Number(issue.minimum) <= 1
        ? 'must not be empty'
        : `must be at least ${issue.minimum} characters`;
    if (issue.code === 'too_big' && issue.origin === 'number') return `must be at most ${issue.maximum}`;
    if (issue.code === 'too_small' && issue.origin === 'number') return `must be at least ${issue.minimum}`;
    if (issue.code === 'too_big' && issue.origin === 'array')
      return `must have at most ${issue.maximum} items`;
    if (issue.code === 'invalid_value') return `must be one of: ${issue.values.map(String).join(', ')}`;
    if (issue.code === 'invalid_type')
      return issue.input === undefined ? 'is required' : `must be ${article(issue.expected)}`;
    if (issue.code === 'invalid_key') {
      const why = issue.issues[0]?.message;
      return why ? `key ${why}` : 'is not an allowed key';
    }
    if (issue.code === 'unrecognized_keys')
      return `has unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}`;
    return undefined;
  },
});

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** The issues of a failed parse, one per field (a field failing two checks is reported once). */
export function issuesOf(error: z.ZodError, input?: unknown): InputIssue[] {
  const seen = new Set<string>();
  const out: InputIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.');
    if (seen.has(path)) continue;
    seen.add(path);
    const value = valueAt(input, issue.path);
    out.push(
      typeof value === 'string' && value.length <= 100 && !/token|secret|webhook/i.test(path)
        ? { path, message: issue.message, value }
        : { path, message: issue.message },
    );
  }
  return out;
}

/** The value at a path inside a parsed request (undefined when there is none). */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at = input;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

/**
 * One readable sentence naming each field and what was typed there:
 * `emails.1 "bob@" is not a well-formed email address; token must not be empty`.
 */
export function describeIssues(issues: InputIssue[]): string {
  return issues
    .map((i) => {
      const typed = i.value !== undefined ? ` ${JSON.stringify(i.value)}` : '';
      return i.path ? `${i.path}${typed} ${i.message}` : `${typed.trim()} ${i.message}`.trim();
    })
    .join('; ');
}

/** A 400 for a failed parse, with the issues in `details` for interfaces that name fields their own way. */
export function invalidInput(code: string, error: z.ZodError, input?: unknown): AppError {
  const issues = issuesOf(error, input);
  return new AppError('invalid_input', code, describeIssues(issues), { issues });
}

/** The same issues under a field name (a list parsed alone reports bare indexes). */
export function prefixed(error: z.ZodError, field: string): z.ZodError {
  return new z.ZodError(error.issues.map((issue) => ({ ...issue, path: [field, ...issue.path] })));
}
