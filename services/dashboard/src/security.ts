import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/** Only the dashboard's own files: no inline script or style, no framing, no other origin. */
const CSP_DIRECTIVES = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
};

/** The Content-Security-Policy header as helmet writes it (directives joined by `;`). */
export const CSP = Object.entries(CSP_DIRECTIVES)
  .map(([name, values]) => `${name} ${values.join(' ')}`)
  .join(';');

const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=()';

const HELMET: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'same-origin' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  // HSTS would pin https on the host for a year; whether the dashboard runs behind https is the operator's call.
  strictTransportSecurity: false,
};

/**
 * Security headers on every response, the event stream included: helmet sets them on the raw
 * response before the handler runs, so a hijacked reply carries them too. Nothing is cached
 * unless a route says so.
 */
export function registerSecurity(app: FastifyInstance): void {
  app.register(helmet, HELMET);
  app.addHook('onRequest', async (_req, reply) => {
    // Helmet has no Permissions-Policy; set it the way helmet sets its own.
    reply.raw.setHeader('permissions-policy', PERMISSIONS_POLICY);
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
