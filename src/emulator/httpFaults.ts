import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import type { FaultDecision } from './faults.ts';
import type { EmulatorState } from './state.ts';

/**
 * Applies latency and any injected fault to one request. Returns true when the fault already answered (or
 * swallowed) the request; 'malformed' is returned for the caller to apply to the body it is about to send.
 */
export async function injectFaults(
  state: EmulatorState,
  surface: 'graphql' | 'scim',
  reply: FastifyReply,
): Promise<{ handled: boolean; decision: FaultDecision }> {
  const faults = state.faults;
  if (faults.applies(surface) && faults.settings.latencyMs > 0) await sleep(faults.settings.latencyMs);
  const real = faults.realError(surface);
  if (real) {
    await reply.code(real.status).type('application/json').send(JSON.stringify(real.body));
    return { handled: true, decision: 'none' };
  }
  const decision = faults.decide(surface);
  if (decision === 'timeout') {
    reply.hijack();
    const socket = reply.raw.socket;
    if (socket) {
      state.heldSockets.add(socket);
      setTimeout(() => {
        state.heldSockets.delete(socket);
        socket.destroy();
      }, faults.settings.timeoutHoldMs).unref();
    }
    return { handled: true, decision };
  }
  if (decision === 'serverError') {
    const status = faults.settings.serverErrorStatus;
    if (status === 500) {
      await reply
        .code(500)
        .type('application/json')
        .send({
          errors: [
            {
              message: 'Internal server error',
              extensions: { code: 'INTERNAL_SERVER_ERROR', status_code: 500 },
            },
          ],
        });
    } else {
      // Gateways in front of monday answer with HTML, not JSON.
      await reply
        .code(status)
        .type('text/html')
        .send(`<html><body><h1>${status} Service unavailable</h1></body></html>`);
    }
    return { handled: true, decision };
  }
  return { handled: false, decision };
}

/** A body cut off mid-way, as a dropped proxy connection leaves it. */
export function truncate(body: string): string {
  return body.slice(0, Math.max(1, Math.floor(body.length / 2)));
}
