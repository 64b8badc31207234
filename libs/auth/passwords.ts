import argon2 from 'argon2';
import bcrypt from 'bcryptjs';

/**
 * argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane): about 50 ms on this class of machine,
 * computed by the native addon on libuv's thread pool, so a burst of logins never blocks the event loop.
 */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

/** A bcrypt hash as bcryptjs writes it: `$2b$<cost>$` and 53 characters of salt and digest. */
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
/** An argon2 hash in the PHC string format: `$argon2id$v=19$m=…,t=…,p=…$<salt>$<digest>`. */
const ARGON2_PHC = /^\$argon2(id|i|d)\$(v=\d+\$)?[a-z]=\d+(,[a-z]=\d+)*\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/**
 * Checks a password against an argon2id hash or a legacy bcrypt one (installations seeded before argon2);
 * `rehash` says the caller should store a fresh argon2id hash now that it knows the password. A malformed
 * stored hash is a mismatch, never an exception; an error of the verifier itself on a well-formed hash (the
 * native addon failing, out of memory) is thrown — a silent "wrong password" would count toward a lockout.
 */
export async function verifyPassword(hash: string, password: string): Promise<{ ok: boolean; rehash: boolean }> {
  if (BCRYPT.test(hash)) return { ok: await bcrypt.compare(password, hash), rehash: true };
  if (!ARGON2_PHC.test(hash)) return { ok: false, rehash: false };
  const ok = await argon2.verify(hash, password);
  return { ok, rehash: ok && argon2.needsRehash(hash, ARGON2_OPTIONS) };
}

let dummy: Promise<string> | undefined;
/** A hash of nothing anyone knows: unknown usernames are checked against it so timing does not tell them apart. */
export function dummyHash(): Promise<string> {
  return (dummy ??= hashPassword(`partyflow-no-such-user-${Math.random()}`));
}
