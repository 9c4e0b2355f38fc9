import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type AppErrorKind } from '../domain/appError.ts';
import { describeIssues, type InputIssue, valueAt } from '../domain/inputIssues.ts';
import { MondayError } from '../monday/mondayError.ts';

/** The one error shape every route answers with. */
export interface ErrorEnvelope {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

const statusByKind: Record<AppErrorKind, number> = {
  invalid_input: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  precondition: 422,
  forbidden: 403,
  upstream: 502,
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function envelope(code: string, message: string, details?: Record<string, unknown>): ErrorEnvelope {
  return { error: details ? { code, message, details } : { code, message } };
}

/** Turns any error into the envelope with the right status; unexpected errors are logged, never echoed. */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpError) {
    const wait = error.details?.retryAfterSeconds;
    if (typeof wait === 'number') reply.header('retry-after', String(wait));
    return reply.code(error.status).send(envelope(error.code, error.message, error.details));
  }
  if (error instanceof AppError)
    return reply.code(statusByKind[error.kind]).send(envelope(error.code, error.message, error.details));
  if (error instanceof MondayError) {
    const status =
      error.code === 'RATE_LIMIT_EXCEEDED' ||
      error.code === 'COMPLEXITY_BUDGET_EXHAUSTED' ||
      error.code === 'DAILY_LIMIT_EXCEEDED'
        ? 429
        : 502;
    return reply.code(status).send(
      envelope('monday_error', `monday failed: ${error.message}`, {
        mondayCode: error.code,
        requestId: error.requestId,
      }),
    );
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = error.validationContext ?? 'request';
    const input = (request as unknown as Record<string, unknown>)[context];
    const all: InputIssue[] = error.validation.map((v) => {
      const keys = v.instancePath.split('/').filter(Boolean);
      const value = valueAt(input, keys);
      const issue = { path: [context, ...keys].join('.'), message: v.message ?? 'is invalid' };
      // The value the person typed, so the message names it (short text only: never a token-sized blob).
      return typeof value === 'string' && value.length <= 100 && !/token|secret|webhook/i.test(issue.path)
        ? { ...issue, value }
        : issue;
    });
    // One issue per field: a value failing two checks is reported once.
    const issues = all.filter((issue, index) => all.findIndex((i) => i.path === issue.path) === index);
    return reply.code(400).send(envelope('invalid_input', describeIssues(issues), { issues }));
  }
  const fastifyError = error as FastifyError;
  if (
    typeof fastifyError.statusCode === 'number' &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    const code =
      (
        {
          413: 'payload_too_large',
          415: 'unsupported_media_type',
          404: 'not_found',
          405: 'method_not_allowed',
        } as Record<number, string>
      )[fastifyError.statusCode] ?? 'bad_request';
    const message =
      fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/i.test(fastifyError.message)
        ? 'the request body is not valid JSON'
        : fastifyError.message;
    return reply.code(fastifyError.statusCode).send(envelope(code, message));
  }
  request.log.error({ err: error }, 'unexpected error');
  return reply
    .code(500)
    .send(envelope('internal_error', 'something went wrong inside Seatwise; the server log has the details'));
}
