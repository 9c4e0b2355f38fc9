import { ApiError } from '../api.ts';

/** A placeholder that holds the space the content will take, so nothing jumps when it arrives. */
export function Loading({ what, lines = 3 }: { what: string; lines?: number }) {
  return (
    <div className="loading" role="status" aria-live="polite" style={{ minHeight: `${lines * 1.6}rem` }}>
      Loading {what}…
    </div>
  );
}

export function ErrorBox({ title, message, retry }: { title: string; message: string; retry?: () => void }) {
  return (
    <div className="error-box" role="alert">
      <strong>{title}</strong>
      <p>{message}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** The error of a failed query, in words. */
export function QueryError({ error, what, retry }: { error: unknown; what: string; retry?: () => void }) {
  const message = error instanceof ApiError ? error.message : String((error as Error)?.message ?? error);
  return <ErrorBox title={`Could not load ${what}`} message={message} retry={retry} />;
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <div className="empty">{children}</div>;
}
