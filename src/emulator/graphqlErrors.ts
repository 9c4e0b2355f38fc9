import type { GraphQLError } from 'graphql';
import type { LimitRefusal } from './limits.ts';

/** One error entry in monday's unified (2025-01+) error format. */
export interface MondayErrorEntry {
  message: string;
  locations?: { line: number; column: number }[];
  path?: (string | number)[];
  extensions: Record<string, unknown> & { code: string };
}

export function errorBody(accountId: string | null, requestId: string, ...entries: MondayErrorEntry[]) {
  const errors = entries.map((e) => ({ ...e, extensions: { ...e.extensions, request_id: requestId } }));
  return accountId === null ? { errors } : { errors, account_id: Number(accountId) };
}

/** Rate-limit refusals as monday words them: HTTP status, code, message, retry time. */
export function refusalError(refusal: LimitRefusal): {
  status: number;
  entry: MondayErrorEntry;
  retryAfter?: number;
} {
  switch (refusal.kind) {
    case 'daily':
      return {
        status: 429,
        retryAfter: refusal.retryInSeconds,
        entry: {
          message: 'Daily limit exceeded',
          extensions: {
            code: 'DAILY_LIMIT_EXCEEDED',
            status_code: 429,
            retry_in_seconds: refusal.retryInSeconds,
          },
        },
      };
    case 'minute':
      return {
        status: 429,
        retryAfter: refusal.retryInSeconds,
        entry: {
          message: 'Minute limit rate exceeded',
          extensions: {
            code: 'RATE_LIMIT_EXCEEDED',
            status_code: 429,
            retry_in_seconds: refusal.retryInSeconds,
          },
        },
      };
    case 'concurrency':
      return {
        status: 429,
        retryAfter: refusal.retryInSeconds,
        entry: {
          message: 'Concurrency limit exceeded',
          extensions: {
            code: 'maxConcurrencyExceeded',
            status_code: 429,
            retry_in_seconds: refusal.retryInSeconds,
          },
        },
      };
    case 'complexityBudget':
      return {
        status: 429,
        retryAfter: refusal.retryInSeconds,
        entry: {
          message: `Complexity budget exhausted, query cost ${refusal.cost} budget remaining ${refusal.remaining}`,
          extensions: { code: 'COMPLEXITY_BUDGET_EXHAUSTED', retry_in_seconds: refusal.retryInSeconds },
        },
      };
    case 'maxComplexity':
      return {
        status: 200,
        entry: {
          message: `Query has complexity of ${refusal.cost}, which exceeds max complexity of 5000000`,
          extensions: { code: 'maxComplexityExceeded', status_code: 400 },
        },
      };
  }
}

/** Maps graphql-js validation messages to monday's codes (its unknown-field error is `undefinedField`). */
export function validationError(error: GraphQLError): MondayErrorEntry {
  const locations = error.locations?.map((l) => ({ line: l.line, column: l.column }));
  const unknownField = /^Cannot query field "([^"]+)" on type "([^"]+)"/.exec(error.message);
  if (unknownField) {
    return {
      message: `Field '${unknownField[1]}' doesn't exist on type '${unknownField[2]}'`,
      locations,
      extensions: { code: 'undefinedField', typeName: unknownField[2], fieldName: unknownField[1] },
    };
  }
  const unknownArgument = /^Unknown argument "([^"]+)" on field "([^"]+)"/.exec(error.message);
  if (unknownArgument) {
    return {
      message: `Field '${unknownArgument[2]}' doesn't accept argument '${unknownArgument[1]}'`,
      locations,
      extensions: { code: 'argumentNotAccepted', name: unknownArgument[2], argumentName: unknownArgument[1] },
    };
  }
  const missing = /^Field "([^"]+)" argument "([^"]+)" of type "([^"]+)" is required/.exec(error.message);
  if (missing) {
    return {
      message: `Field '${missing[1]}' is missing required arguments: ${missing[2]}`,
      locations,
      extensions: {
        code: 'missingRequiredArguments',
        className: 'Field',
        name: missing[1],
        arguments: missing[2],
      },
    };
  }
  return { message: error.message, locations, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } };
}

/** Errors thrown by resolvers keep their monday code; anything else is an internal error. */
export function executionError(error: GraphQLError): MondayErrorEntry {
  const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR';
  return {
    message: error.message,
    locations: error.locations?.map((l) => ({ line: l.line, column: l.column })),
    path: error.path ? [...error.path] : undefined,
    extensions: { ...error.extensions, code },
  };
}
