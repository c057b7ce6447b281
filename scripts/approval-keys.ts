// Writes a new Ed25519 key pair for approval signatures: the private key (mode 0600) for the
// coordinator's approval.privateKeyFile, and prints the public key for the executors' approvalKeys.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { answerHelp } from '@agent-ops/runtime/cli-help';

const USAGE = `usage: pnpm approval-keys <private-key-file>

Writes a new Ed25519 private key to <private-key-file> (mode 0600; the file must not exist yet)
for the coordinator's approval.privateKeyFile, and prints the public key for the executors'
approvalKeys.`;
answerHelp(USAGE);
const path = process.argv[2];
// A word starting with '-' is an option this command does not have, never a file name.
if (!path || path.startsWith('-') || process.argv.length > 3) {
  console.error(USAGE);
  process.exit(2);
}
if (existsSync(path)) {
  console.error(`${path} exists; refusing to overwrite a signing key`);
  process.exit(1);
}
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
console.error(`private key written to ${path} (mode 0600); keep it on the coordinator's host only`);
console.log(publicKey.export({ type: 'spki', format: 'pem' }).toString().trim());
