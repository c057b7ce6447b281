import { CoordinatorApiError } from '@agent-ops/coordinator/client';
import type { Logger } from '@agent-ops/runtime/logger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/** An answer with a status and a message a person can act on. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * Every failure as `{ok: false, message}`: the page shows the message. The coordinator's
 * refusals pass through with its status (its own failure is a 502 here); a bad body names the
 * field; anything else is logged and told apart from the request's fault.
 */
export function errorHandler(log: Logger) {
  return (err: FastifyError | Error, _req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpError) return reply.status(err.status).send({ ok: false, message: err.message });
    if (err instanceof CoordinatorApiError) {
      const status = err.status === 0 || err.status >= 500 ? 502 : err.status;
      return reply.status(status).send({ ok: false, message: err.message, code: err.code });
    }
    if (err instanceof z.ZodError) {
      const message = err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      return reply.status(400).send({ ok: false, message });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status < 500) return reply.status(status).send({ ok: false, message: err.message });
    log.error({ err }, 'request failed');
    return reply.status(500).send({ ok: false, message: 'the dashboard failed; see its log' });
  };
}
