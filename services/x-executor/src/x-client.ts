import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { RetryAfterError } from '@agent-ops/contracts/errors';
import type { ITwitterApiClientPlugin, TwitterApi } from 'twitter-api-v2';
import type { XCredentials } from './x-secrets.ts';

export const DEFAULT_X_API_BASE_URL = 'https://api.x.com';

/**
 * twitter-api-v2 has its API host built in; this plugin sends its requests to `baseUrl`
 * instead (a fake in tests, a proxy in some deployments) and gives every request a timeout.
 */
function redirectPlugin(baseUrl: string, timeoutMs: number): ITwitterApiClientPlugin {
  const origin = new URL(baseUrl).origin;
  const redirect = origin !== new URL(DEFAULT_X_API_BASE_URL).origin;
  return {
    onBeforeRequestConfig({ params }) {
      if (redirect) {
        const url = new URL(params.url);
        if (/^(api|upload)\.(x|twitter)\.com$/.test(url.hostname)) {
          params.url = `${origin}${url.pathname}${url.search}`;
          // The library reads OAuth 1.0a answers as forms only at https://api.x.com/oauth/.
          if (url.pathname.startsWith('/oauth/')) params.forceParseMode = 'url';
        }
      }
      params.timeout ??= timeoutMs;
      return undefined;
    },
  };
}

function clientSettings(baseUrl: string, timeoutMs: number) {
  // The library calls https.request for every URL; an http:// base needs an http agent.
  const httpAgent = baseUrl.startsWith('http://')
    ? new HttpAgent({ keepAlive: true })
    : new HttpsAgent({ keepAlive: true });
  return { plugins: [redirectPlugin(baseUrl, timeoutMs)], httpAgent };
}

/** A client of the X app itself (OAuth 2.0 client id, or OAuth 1.0a consumer keys): for the token endpoint and logins. */
export async function createXAppClient(
  app: { clientId: string; clientSecret?: string | undefined } | { appKey: string; appSecret: string },
  baseUrl: string,
  timeoutMs: number,
): Promise<TwitterApi> {
  const { TwitterApi } = await import('twitter-api-v2');
  const settings = clientSettings(baseUrl, timeoutMs);
  if ('appKey' in app) return new TwitterApi({ appKey: app.appKey, appSecret: app.appSecret }, settings);
  return app.clientSecret
    ? new TwitterApi({ clientId: app.clientId, clientSecret: app.clientSecret }, settings)
    : new TwitterApi({ clientId: app.clientId }, settings);
}

/** Loads twitter-api-v2 on the first client, not at start: it is a tenth of the executor's start-up. */
export async function createXClient(
  credentials: XCredentials,
  baseUrl: string,
  timeoutMs: number,
): Promise<TwitterApi> {
  const { TwitterApi } = await import('twitter-api-v2');
  const settings = clientSettings(baseUrl, timeoutMs);
  // A refreshing login's client comes from XOAuth2Tokens; reaching here means the file no longer
  // holds it (replaced by an OAuth 1.0a login), which this process reads only at start.
  if ('oauth2' in credentials)
    throw new RetryAfterError(
      'the X login changed from OAuth 2.0 to 1.0a; restart the x-executor to read it',
      null,
      'login_changed',
    );
  if ('oauth2AccessToken' in credentials) return new TwitterApi(credentials.oauth2AccessToken, settings);
  return new TwitterApi(
    {
      appKey: credentials.appKey,
      appSecret: credentials.appSecret,
      accessToken: credentials.accessToken,
      accessSecret: credentials.accessSecret,
    },
    settings,
  );
}
