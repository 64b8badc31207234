import { createHmac, timingSafeEqual } from 'node:crypto';

/** `sha256=<hex HMAC-SHA256 of body with secret>`: the X-Signature of the licensing integration, both ways. */
export function signLicensingBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Checks an `X-Signature` header against the raw body, in constant time (crypto.timingSafeEqual over the
 * 32 digest bytes). Accepts `sha256=<hex>` (the contract) and a bare hex digest; anything else is false.
 */
export function verifyLicensingSignature(
  secret: string,
  body: Buffer | string,
  header: string | string[] | undefined,
): boolean {
  if (typeof header !== 'string') return false;
  const match = /^(?:sha256=)?([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What the licensing system signs to read a firm's annual assessment (the year is signed too). */
export const firmAssessmentSigningString = (firmId: string, year: number) =>
  `GET /api/v1/integrations/licensing/firms/${firmId}/assessment?year=${year}`;
