import { FakeX } from '@agent-ops/testkit/fake-x';
import { FakeXOAuth } from '@agent-ops/testkit/fake-x-oauth';
import { afterEach, describe, expect, it } from 'vitest';
import { createXAppClient, createXClient } from '../src/x-client.ts';

// The fake's token endpoint, through the real twitter-api-v2, keeps X's rules: refresh tokens
// rotate and are single-use, a spent one presented again revokes the grant, access tokens
// stop working when they expire.
const ME = { id: '4001', username: 'tok', name: 'Tok' };
const SCOPES = ['tweet.read', 'tweet.write', 'users.read', 'offline.access'];
let fake: FakeX | null = null;
afterEach(async () => {
  await fake?.stop();
  fake = null;
});

async function start(ttlSec = 7200) {
  const oauth = new FakeXOAuth({
    apps: [{ clientId: 'web', clientSecret: 'web-secret' }, { clientId: 'native' }],
    users: {},
    accessTokenTtlSec: ttlSec,
  });
  fake = await new FakeX({ users: {}, oauth }).start();
  return { oauth, url: fake.url };
}

const me = async (url: string, accessToken: string) =>
  (await createXClient({ oauth2AccessToken: accessToken }, url, 5000)).v2.me();

describe('the fake X token endpoint', () => {
  it('rotates the pair on each refresh; the new access token works', async () => {
    const { oauth, url } = await start();
    const first = oauth.issue(ME, 'web', SCOPES);
    const app = await createXAppClient({ clientId: 'web', clientSecret: 'web-secret' }, url, 5000);
    const next = await app.refreshOAuth2Token(first.refreshToken);
    expect(next.refreshToken).not.toBe(first.refreshToken);
    expect(next.expiresIn).toBe(7200);
    expect(next.scope).toEqual(SCOPES);
    expect((await me(url, next.accessToken)).data.username).toBe('tok');
    const third = await app.refreshOAuth2Token(next.refreshToken as string);
    expect((await me(url, third.accessToken)).data.id).toBe('4001');
    expect(oauth.reusedRefreshTokens()).toEqual([]);
  });

  it('a spent refresh token presented again is refused and revokes the whole grant', async () => {
    const { oauth, url } = await start();
    const first = oauth.issue(ME, 'native', SCOPES);
    const app = await createXAppClient({ clientId: 'native' }, url, 5000);
    const next = await app.refreshOAuth2Token(first.refreshToken);
    await expect(app.refreshOAuth2Token(first.refreshToken)).rejects.toMatchObject({
      code: 400,
      data: { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' },
    });
    expect(oauth.revokedGrants).toBe(1);
    // Everything of the grant is gone: the newest refresh token and the newest access token too.
    await expect(app.refreshOAuth2Token(next.refreshToken as string)).rejects.toMatchObject({ code: 400 });
    await expect(me(url, next.accessToken)).rejects.toMatchObject({ code: 401 });
  });

  it('an expired access token answers 401, and a confidential client must authenticate', async () => {
    const { oauth, url } = await start(0);
    const first = oauth.issue(ME, 'web', SCOPES);
    await expect(me(url, first.accessToken)).rejects.toMatchObject({ code: 401 });
    expect(oauth.staleAccessTokenUses).toHaveLength(1);
    const noSecret = await createXAppClient({ clientId: 'web' }, url, 5000);
    await expect(noSecret.refreshOAuth2Token(first.refreshToken)).rejects.toMatchObject({ code: 401 });
  });

  it('without offline.access there is no refresh token', async () => {
    const { oauth, url } = await start();
    const first = oauth.issue(ME, 'web', ['tweet.read', 'users.read']);
    const app = await createXAppClient({ clientId: 'web', clientSecret: 'web-secret' }, url, 5000);
    await expect(app.refreshOAuth2Token(first.refreshToken)).rejects.toMatchObject({ code: 400 });
  });

  it('refuses a media upload (403) to a user token granted without media.write, and takes it with the scope', async () => {
    const { oauth, url } = await start();
    const upload = (accessToken: string) =>
      fetch(`${url}/2/media/upload/initialize`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ media_type: 'image/png', total_bytes: 100, media_category: 'tweet_image' }),
      });
    const without = oauth.issue(ME, 'web', SCOPES);
    expect((await upload(without.accessToken)).status).toBe(403);
    const granted = oauth.issue(ME, 'web', [...SCOPES, 'media.write']);
    expect((await upload(granted.accessToken)).status).toBeLessThan(300);
  });
});
