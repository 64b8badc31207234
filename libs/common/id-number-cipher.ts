import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'crypto';

/** Bytes of PII_KEY: an AES-256 key's worth of randomness, from which the working keys are derived. */
export const PII_KEY_BYTES = 32;

/**
 * The 32 bytes a PII_KEY setting stands for — 64 hex digits, or base64 / base64url — or null when it is not
 * exactly that. (Accepting any string would let a pass-phrase of a few words become the key of every ID
 * number in the registry.)
 */
export function decodePiiKey(value: unknown): Buffer | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(v)) key = Buffer.from(v, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(v)) key = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key || key.length !== PII_KEY_BYTES) return null;
  // a key of few distinct bytes (all zeros, a repeated character) is a placeholder, not a secret
  return new Set(key).size >= 8 ? key : null;
}

/** A stored ID number sealed by this scheme: `v1.<key id>.<base64url(iv ‖ ciphertext ‖ tag)>`. */
const SEALED = /^v1\.([0-9a-f]{8})\.([A-Za-z0-9_-]+)$/;
/** What authenticated encryption binds each sealed value to: a sealed ID number means nothing elsewhere. */
const AAD = Buffer.from('partyflow members.id_number');

/** Whether a stored value is sealed (by any key) rather than a plaintext ID number from before encryption. */
export function isSealedIdNumber(stored: string): boolean {
  return SEALED.test(stored);
}

/** The key id a sealed value names, or null for plaintext. */
export function keyIdOfSealed(stored: string): string | null {
  return SEALED.exec(stored)?.[1] ?? null;
}

/** The one spelling of an ID number that is sealed and indexed: the check character `x` is the same as `X`. */
export function canonicalIdNumber(id: string): string {
  return id.trim().toUpperCase();
}

export class IdNumberKeyError extends Error {}

/**
 * ID numbers at rest (issue 11 "Personal data"): sealed with AES-256-GCM under a key derived from PII_KEY, and
 * found through a blind index — HMAC-SHA256 of the canonical number under a second derived key — which is what
 * the unique index and every look-up by ID number compare. The index reveals equality only: without the key
 * nobody can compute it for a guessed number (an ID number has few enough possibilities that a plain hash would
 * be reversed by enumeration in minutes).
 */
export class IdNumberCipher {
  /** 8 hex digits naming the key, stored in each sealed value: a value sealed by another key is told apart. */
  readonly keyId: string;
  private readonly sealKey: Buffer;
  private readonly indexKey: Buffer;

  constructor(key: Buffer) {
    if (key.length !== PII_KEY_BYTES) throw new IdNumberKeyError(`PII_KEY must be ${PII_KEY_BYTES} bytes`);
    const derive = (purpose: string) =>
      Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `partyflow/id-number/${purpose}`, 32));
    this.sealKey = derive('aes-256-gcm');
    this.indexKey = derive('blind-index');
    this.keyId = derive('key-id').toString('hex').slice(0, 8);
  }

  /** From the PII_KEY setting (validated by the configuration; checked again here for other callers). */
  static fromSetting(value: string): IdNumberCipher {
    const key = decodePiiKey(value);
    if (!key) throw new IdNumberKeyError('PII_KEY must be 32 random bytes, as 64 hex digits or base64');
    return new IdNumberCipher(key);
  }

  /** The value stored for an ID number: a fresh IV each time, so equal numbers do not look equal at rest. */
  seal(idNumber: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    cipher.setAAD(AAD);
    const body = Buffer.concat([cipher.update(canonicalIdNumber(idNumber), 'utf8'), cipher.final()]);
    return `v1.${this.keyId}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /**
   * The ID number a stored value holds. A value sealed by another key, or altered, throws (GCM's tag): a wrong
   * key never yields garbage that looks like an ID number.
   */
  open(stored: string): string {
    const m = SEALED.exec(stored);
    if (!m) throw new IdNumberKeyError('not a sealed ID number');
    if (m[1] !== this.keyId)
      throw new IdNumberKeyError(`ID number sealed by key ${m[1]}, but PII_KEY is key ${this.keyId}`);
    const raw = Buffer.from(m[2], 'base64url');
    if (raw.length < 12 + 16 + 1) throw new IdNumberKeyError('sealed ID number is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    try {
      return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      throw new IdNumberKeyError(`sealed ID number does not open with key ${this.keyId} (altered, or another key)`);
    }
  }

  /** The blind index of an ID number (64 hex digits): equal for equal canonical numbers, under this key only. */
  blindIndex(idNumber: string): string {
    return createHmac('sha256', this.indexKey).update(canonicalIdNumber(idNumber)).digest('hex');
  }
}
