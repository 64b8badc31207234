import { randomBytes } from 'crypto';
import { decodePiiKey, IdNumberCipher, IdNumberKeyError, isSealedIdNumber, keyIdOfSealed } from './id-number-cipher';

describe('IdNumberCipher', () => {
  const id = '36070219900101123X';
  const cipher = new IdNumberCipher(randomBytes(32));

  it('seals an ID number so that it opens to its canonical form, differently each time', () => {
    const a = cipher.seal(id);
    const b = cipher.seal(id.toLowerCase());
    expect(a).not.toBe(b);
    for (const sealed of [a, b]) {
      expect(sealed).toMatch(new RegExp(`^v1\\.${cipher.keyId}\\.`));
      expect(sealed).not.toContain(id.slice(0, 17));
      expect(isSealedIdNumber(sealed)).toBe(true);
      expect(cipher.open(sealed)).toBe(id);
    }
    expect(isSealedIdNumber(id)).toBe(false);
    expect(keyIdOfSealed(id)).toBeNull();
  });

  it('gives equal numbers one blind index, under its key only', () => {
    expect(cipher.blindIndex(id)).toBe(cipher.blindIndex(` ${id.toLowerCase()} `));
    expect(cipher.blindIndex(id)).toMatch(/^[0-9a-f]{64}$/);
    expect(cipher.blindIndex(id)).not.toBe(cipher.blindIndex('360702199001011248'));
    expect(new IdNumberCipher(randomBytes(32)).blindIndex(id)).not.toBe(cipher.blindIndex(id));
  });

  it('refuses to open what another key sealed, or an altered value, instead of returning garbage', () => {
    const other = new IdNumberCipher(randomBytes(32));
    expect(() => other.open(cipher.seal(id))).toThrow(IdNumberKeyError);
    const sealed = cipher.seal(id);
    const body = Buffer.from(sealed.split('.')[2], 'base64url');
    body[14] ^= 1;
    expect(() => cipher.open(`v1.${cipher.keyId}.${body.toString('base64url')}`)).toThrow(/does not open/);
    // the same key id on a value of another key (as if ids collided) still fails on the tag
    expect(() => cipher.open(other.seal(id).replace(other.keyId, cipher.keyId))).toThrow(IdNumberKeyError);
    expect(() => cipher.open(id)).toThrow(IdNumberKeyError);
  });

  it('derives the same keys from the same PII_KEY, written in hex or base64', () => {
    const key = randomBytes(32);
    const fromHex = IdNumberCipher.fromSetting(key.toString('hex'));
    const fromB64 = IdNumberCipher.fromSetting(key.toString('base64'));
    const fromB64url = IdNumberCipher.fromSetting(key.toString('base64url'));
    expect(fromB64.keyId).toBe(fromHex.keyId);
    expect(fromB64url.keyId).toBe(fromHex.keyId);
    expect(fromB64.open(fromHex.seal(id))).toBe(id);
    expect(fromB64.blindIndex(id)).toBe(fromHex.blindIndex(id));
  });

  it('accepts only 32 random bytes as PII_KEY', () => {
    expect(decodePiiKey(randomBytes(32).toString('hex'))).toHaveLength(32);
    for (const bad of [
      undefined,
      '',
      'partyflow-demo-secret',
      randomBytes(16).toString('hex'),
      randomBytes(48).toString('base64'),
      '0'.repeat(64),
      'a'.repeat(43),
      'correct horse battery staple correct horse b',
    ])
      expect({ bad, key: decodePiiKey(bad) }).toEqual({ bad, key: null });
  });
});
