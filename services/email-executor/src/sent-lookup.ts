/**
 * Asks the provider whether a message with this Message-ID is in the account's Sent mail.
 * `found`: it is; `absent`: the provider searched and it is not there (yet); throws when the
 * provider cannot be asked now, with a message that carries no credential.
 */
export interface SentLookup {
  find(messageId: string): Promise<'found' | 'absent'>;
}

/** A lookup that failed: what the provider answered, in words safe to store in a receipt. */
export class SentLookupError extends Error {
  override readonly name = 'SentLookupError';
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}
