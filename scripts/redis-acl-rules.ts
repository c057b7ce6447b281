/**
 * Least-rights Redis users, one per role. Keys are limited by pattern (every channel key
 * carries its hash tag, `ops:{x}:...`), commands by category; commands inside Lua scripts are
 * checked against the caller's rights too, so the atomic scripts cannot reach past them.
 */
export const ROLES = ['coordinator', 'executor', 'dashboard', 'producer'] as const;
export type RedisRole = (typeof ROLES)[number];

/** Commands every client needs to connect (ioredis sends HELLO, CLIENT SETNAME, INFO); last, as ACL rules apply in order. */
const CONNECT =
  '+hello +auth +ping +client|setname +client|getname +client|id +client|info +info +select +time';

export function aclRules(prefix: string): Record<RedisRole, string> {
  const p = prefix;
  const executorKeys = [
    `~${p}:{*}:intents`,
    `~${p}:{*}:receipts`,
    `~${p}:{*}:deadletter`,
    // Read by begin; Redis checks a script's declared keys as read-write, so it cannot be read-only.
    `~${p}:{*}:gate`,
    `~${p}:{*}:done`,
    `~${p}:{*}:leases`,
    `~${p}:{*}:armed`,
    `~${p}:{*}:attempts`,
    `~${p}:{*}:breakers`,
    `~${p}:{*}:consumers`,
    `~${p}:{*}:accounts`,
    `~${p}:{*}:held`,
    `~${p}:{*}:rl:*`,
    `~${p}:{*}:bull:*`,
    // An account's refresh lock (holds no secret) and its rotated login, sealed with a key only
    // the executor hosts have (x-oauth2-tokens.ts).
    `~${p}:{*}:credlock:*`,
    `~${p}:{*}:cred:*`,
  ].join(' ');
  return {
    // Everything under the prefix, no admin: it decides, so it needs the records, gates and audit.
    coordinator: `~${p}:* &* +@all -@dangerous ${CONNECT}`,
    // Only the channel keys the runtime touches: no records, no audit, no other role's keys.
    executor: `${executorKeys} &* +@all -@dangerous -@pubsub ${CONNECT}`,
    // Reads only.
    dashboard: `%R~${p}:* +@read -@dangerous ${CONNECT}`,
    // Appends intents and nothing else.
    producer: `%W~${p}:{*}:intents ${CONNECT} +xadd`,
  };
}

/** A users.acl file: each user with its SHA-256 password hash (the file never holds a password). */
export function aclFile(prefix: string, passwordHashes: Record<RedisRole, string>): string {
  const rules = aclRules(prefix);
  const lines = ROLES.map(
    (role) => `user ${role} on #${passwordHashes[role]} resetkeys resetchannels -@all ${rules[role]}`,
  );
  // The default user is switched off: every client says who it is.
  return `${['user default off', ...lines].join('\n')}\n`;
}
