import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const TEMPLATES = join(import.meta.dirname, '..', 'templates');

export const LOGIN_ERRORS = {
  token: 'That token is not right. It is your loginToken in DASHBOARD_CONFIG (or DASHBOARD_TOKEN).',
  throttled: 'Too many wrong tokens; wait a minute and try again.',
} as const;
export type LoginError = keyof typeof LOGIN_ERRORS;

function fill(template: string, name: string, value: string): string {
  // A function, so that `$` in a value is never read as a replacement pattern.
  return template.replace(`{{${name}}}`, () => value);
}

/** The two HTML pages, read once at start; a request only fills in its values. */
export class Pages {
  private readonly app = readFileSync(join(TEMPLATES, 'app.html'), 'utf8');
  private readonly login = readFileSync(join(TEMPLATES, 'login.html'), 'utf8');
  private readonly approve = readFileSync(join(TEMPLATES, 'approve.html'), 'utf8');

  /**
   * The token is base64url and the name `[A-Za-z0-9._@-]` (the config's rule): no character HTML
   * treats specially. The page's script reads the token from the meta tag.
   */
  appPage(csrf: string, who: string): string {
    return fill(fill(this.app, 'csrf', csrf), 'who', who);
  }

  /** `next` is a path `safeNext` accepted (letters, digits and `/._-` only), so it needs no escaping. */
  loginPage(error: LoginError | undefined, next: string | null = null): string {
    const page = fill(
      this.login,
      'message',
      error ? `<p class="error" role="alert">${LOGIN_ERRORS[error]}</p>` : '',
    );
    return fill(page, 'next', next ?? '');
  }

  /** The one-approval page of an alert's link; the ref is base64url and a dot, safe in an attribute. */
  approvePage(csrf: string, ref: string): string {
    return fill(fill(this.approve, 'csrf', csrf), 'ref', ref);
  }
}
