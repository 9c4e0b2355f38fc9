/** What kind of failure a use case reports; http/ maps it to a status, cli/ to an exit code. */
export type AppErrorKind =
  | 'invalid_input'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'precondition'
  | 'forbidden'
  | 'upstream';

/** A failure a user can act on, with a snake_case code and a message that says what to do. */
export class AppError extends Error {
  constructor(
    readonly kind: AppErrorKind,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
