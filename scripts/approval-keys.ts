// Writes a new Ed25519 key pair for approval signatures: the private key (mode 0600) for the
// coordinator's approval.privateKeyFile, and prints the public key for the executors' approvalKeys.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';

const path = process.argv[2];
if (!path) {
  console.error('usage: pnpm approval-keys <private-key-file>   (the file must not exist yet)');
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
