/**
 * Error codes of a call that failed before any byte of the request left this host: the
 * name did not resolve, no route, the connection was refused, or the client refused the
 * URL itself. The effect cannot have happened, so the call is safe to repeat, whatever
 * it was. Anything else (a reset, a timeout) may come after the server acted.
 */
const NOT_SENT: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // Node's http.request throws it synchronously for a URL whose protocol the agent cannot speak.
  'ERR_INVALID_PROTOCOL',
]);

/** Whether a network error's code (errno, getaddrinfo or Node's) proves that no request was sent. */
export function isNotSent(code: string | null | undefined): boolean {
  return code !== null && code !== undefined && NOT_SENT.has(code);
}
