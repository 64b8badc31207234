import { createHmac } from 'node:crypto';
import { signLicensingBody, verifyLicensingSignature } from './signature';

describe('licensing signature', () => {
  const body = '{"eventId":"e1","type":"practice.applied"}';

  it('signs as sha256=<hex HMAC-SHA256> and verifies the same bytes', () => {
    const sig = signLicensingBody('s3cret', body);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    // known value: HMAC-SHA256("s3cret", body)
    expect(sig).toBe(`sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`);
    expect(verifyLicensingSignature('s3cret', body, sig)).toBe(true);
    expect(verifyLicensingSignature('s3cret', Buffer.from(body), sig.toUpperCase().replace('SHA256=', 'sha256='))).toBe(
      true,
    );
    expect(verifyLicensingSignature('s3cret', body, sig.slice(7))).toBe(true);
  });

  it('refuses other secrets, other bytes, malformed and missing headers', () => {
    const sig = signLicensingBody('s3cret', body);
    expect(verifyLicensingSignature('other', body, sig)).toBe(false);
    expect(verifyLicensingSignature('s3cret', body + ' ', sig)).toBe(false);
    expect(verifyLicensingSignature('s3cret', body, undefined)).toBe(false);
    expect(verifyLicensingSignature('s3cret', body, [sig])).toBe(false);
    expect(verifyLicensingSignature('s3cret', body, 'sha256=abc')).toBe(false);
    expect(verifyLicensingSignature('s3cret', body, `sha1=${sig.slice(7)}`)).toBe(false);
    expect(verifyLicensingSignature('s3cret', body, `${sig}00`)).toBe(false);
  });
});
