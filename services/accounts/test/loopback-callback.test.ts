import { describe, expect, it } from 'vitest';
import { LoopbackCallback } from '../src/loopback-callback.ts';

describe('the loopback redirect of a login', () => {
  it('answers 400 to a request without its state (a reload, another tab) and goes on to take its own', async () => {
    const cb = new LoopbackCallback();
    const uri = await cb.listen(0, '/callback', () => 'state-of-this-login');
    try {
      expect(new URL(uri).hostname).toBe('127.0.0.1');
      const settled = cb.wait();
      const stray = await fetch(`${uri}?code=c1&state=another-login`);
      expect(stray.status).toBe(400);
      // A denial that is not this login's does not end it either.
      expect((await fetch(`${uri}?error=access_denied&state=another-login`)).status).toBe(400);
      expect((await fetch(uri)).status).toBe(400);
      const own = await fetch(`${uri}?code=the-code&state=state-of-this-login`);
      expect(own.status).toBe(200);
      await expect(settled).resolves.toEqual({ code: 'the-code', state: 'state-of-this-login' });
    } finally {
      await cb.close();
    }
  });

  it("ends the login with the provider's error when this login's consent was denied", async () => {
    const cb = new LoopbackCallback();
    const uri = await cb.listen(0, '/callback', () => 's1');
    try {
      const settled = cb.wait();
      settled.catch(() => {});
      await fetch(`${uri}?error=access_denied&error_description=denied&state=s1`);
      await expect(settled).rejects.toThrow(/access_denied \(denied\)/);
    } finally {
      await cb.close();
    }
  });
});
