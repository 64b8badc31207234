import bcrypt from 'bcryptjs';
import { hashPassword, verifyPassword } from './passwords';

describe('verifyPassword', () => {
  it('checks argon2id and legacy bcrypt hashes', async () => {
    const hash = await hashPassword('correct horse');
    expect(await verifyPassword(hash, 'correct horse')).toEqual({ ok: true, rehash: false });
    expect(await verifyPassword(hash, 'wrong')).toEqual({ ok: false, rehash: false });
    const legacy = bcrypt.hashSync('old secret', 4);
    expect(await verifyPassword(legacy, 'old secret')).toEqual({ ok: true, rehash: true });
    expect((await verifyPassword(legacy, 'wrong')).ok).toBe(false);
  });

  it('a malformed stored hash is a mismatch, not an exception', async () => {
    for (const hash of ['', 'garbage', '$argon2id$v=19$m=19456,t=2,p=1$abc', '$2b$10$short'])
      expect(await verifyPassword(hash, 'x')).toEqual({ ok: false, rehash: false });
  });

  it('a failure of the verifier itself is thrown, never taken for a wrong password', async () => {
    // well-formed, but the native addon cannot allocate what it asks for (4 TiB)
    const greedy = '$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHQ$aGFzaA';
    await expect(verifyPassword(greedy, 'x')).rejects.toThrow();
  });
});
