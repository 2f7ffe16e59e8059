/**
 * The language model's tokenizer: bytes. A text is its UTF-8 encoding, one token per byte (256
 * tokens, no merges, nothing unknown), so the token table is 256 × d and any text round-trips.
 * Loss per token is loss per byte; for the Brown Corpus (plain ASCII) a byte is a character.
 */
export const BYTE_VOCAB_SIZE = 256;

const encoder = new TextEncoder();

export function encodeBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Bytes back to text; an incomplete UTF-8 sequence (a cut multi-byte character) becomes U+FFFD. */
export function decodeBytes(tokens: ArrayLike<number>): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(tokens));
}
