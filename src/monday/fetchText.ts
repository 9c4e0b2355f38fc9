import { MondayError } from './mondayError.ts';

/**
 * One HTTP exchange with monday under a deadline: the response and its body text, or a retryable MondayError
 * (`timeout` or `network_error`) when no answer arrived. `what` names the endpoint in messages.
 */
export async function fetchText(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  what: string,
  fetchImpl: typeof fetch = fetch,
): Promise<{ response: Response; text: string }> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetchImpl(url, { ...init, signal });
    return { response, text: await response.text() };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError' || signal.aborted;
    // The cause (refused, reset, unknown name) is not repeated: it would map the network behind the endpoint.
    throw new MondayError(
      timedOut ? 'timeout' : 'network_error',
      timedOut ? `${what} did not answer within ${timeoutMs} ms` : `could not reach ${what}`,
      true,
      null,
      null,
      null,
    );
  }
}
