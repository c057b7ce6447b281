import type { gmail_v1 } from '@googleapis/gmail';
import type { EmailAccount } from './email-secrets.ts';
import type { SentLookup } from './sent-lookup.ts';
import { SentLookupError } from './sent-lookup.ts';
import type { GmailEndpoints } from './smtp-send.ts';

type Gmail = NonNullable<EmailAccount['gmail']>;

/** Pages read before giving up on one search: a Message-ID matches one message, rarely a few. */
const PAGE_BUDGET = 5;

type GaxiosLike = Error & {
  code?: string | number;
  response?: {
    status?: number;
    data?: { error?: { message?: string; errors?: Array<{ reason?: string }> } | string };
  };
};

/** A gaxios error in words: the status and Google's reason, never the request (it holds the bearer token). */
function describe(err: unknown): SentLookupError {
  const e = err as GaxiosLike;
  const status = e?.response?.status;
  const data = e?.response?.data;
  if (status !== undefined) {
    const body = typeof data === 'object' && data ? data.error : undefined;
    // The token endpoint answers {"error":"invalid_grant"}; the API answers {"error":{"code","message","errors"}}.
    const reason = typeof body === 'string' ? body : (body?.errors?.[0]?.reason ?? '');
    const message = typeof body === 'object' && body ? (body.message ?? '') : '';
    return new SentLookupError(
      `Gmail search answered ${status}${reason ? ` ${reason}` : ''}${message ? `: ${message.slice(0, 200)}` : ''}`,
      reason === 'invalid_grant' ? 'gmail_invalid_grant' : `gmail_${status}`,
    );
  }
  return new SentLookupError(
    `Gmail search got no answer (${String(e?.code ?? e?.name ?? 'error')})`,
    'gmail_unreachable',
  );
}

/**
 * Gmail files what an account submits over SMTP into Sent, and the Gmail API finds it by its
 * Message-ID: `users.messages.list` with `q=rfc822msgid:<id>` (the Gmail search syntax the
 * list method's `q` documents) and `labelIds=SENT`, trash included, following `nextPageToken`.
 * Gmail's search shows a message some seconds after it was sent, so `absent` means "not yet
 * visible", never "never sent": the caller decides how long to wait.
 * (developers.google.com/gmail/api/reference/rest/v1/users.messages/list)
 */
export class GmailSentLookup implements SentLookup {
  private client: gmail_v1.Gmail | undefined;
  private readonly g: Gmail;
  private readonly endpoints: GmailEndpoints;
  private readonly timeoutMs: number;

  constructor(g: Gmail, endpoints: GmailEndpoints, timeoutMs: number) {
    this.g = g;
    this.endpoints = endpoints;
    this.timeoutMs = timeoutMs;
  }

  private async api(): Promise<gmail_v1.Gmail> {
    if (this.client) return this.client;
    // The Gmail API's own package and the auth library, loaded on the first reconcile only:
    // most executors never need them, and googleapis' bundle would double the start-up.
    const [{ gmail }, { OAuth2Client }] = await Promise.all([
      import('@googleapis/gmail'),
      import('google-auth-library'),
    ]);
    const auth = new OAuth2Client({
      clientId: this.g.clientId,
      clientSecret: this.g.clientSecret,
      ...(this.endpoints.tokenUrl ? { endpoints: { oauth2TokenUrl: this.endpoints.tokenUrl } } : {}),
      transporterOptions: { retryConfig: { retry: 0 }, timeout: this.timeoutMs },
    });
    auth.setCredentials({ refresh_token: this.g.refreshToken });
    this.client ??= gmail({
      version: 'v1',
      auth,
      retry: false,
      timeout: this.timeoutMs,
      ...(this.endpoints.rootUrl ? { rootUrl: this.endpoints.rootUrl } : {}),
    });
    return this.client;
  }

  async find(messageId: string): Promise<'found' | 'absent'> {
    const api = await this.api();
    let pageToken: string | undefined;
    for (let page = 0; page < PAGE_BUDGET; page += 1) {
      let data: gmail_v1.Schema$ListMessagesResponse;
      try {
        ({ data } = await api.users.messages.list({
          userId: 'me',
          q: `rfc822msgid:${messageId}`,
          labelIds: ['SENT'],
          includeSpamTrash: true,
          maxResults: 10,
          ...(pageToken ? { pageToken } : {}),
        }));
      } catch (err) {
        throw describe(err);
      }
      // The list omits `messages` when nothing matches; a page may be empty and still go on.
      if ((data.messages ?? []).length > 0) return 'found';
      pageToken = data.nextPageToken ?? undefined;
      if (!pageToken) return 'absent';
    }
    throw new SentLookupError(`Gmail search had more than ${PAGE_BUDGET} pages and no match`, 'gmail_pages');
  }
}
