import { randomBytes } from 'crypto';
import { mkdtempSync, readFileSync, statSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { ConfigError, loadConfig } from './app-config';
import { withInstallationSecrets } from './installation-secrets';

const STRONG = 'Zq3v-7sKd9_XbPm2LwT8rYc4NhJf6GtA1uEo';
const PII_KEY = randomBytes(32).toString('base64');

describe('loadConfig', () => {
  const base = { DATABASE_URL: 'postgres://u@h/db', REDIS_URL: 'redis://h:6379', JWT_SECRET: STRONG, PII_KEY };

  it('applies defaults and converts types', () => {
    const c = loadConfig({ ...base, PORT: '4000', DEMO: '1' });
    expect(c).toMatchObject({ PORT: 4000, DEMO: true, CLOCK_CONTROL: false, ROLE: 'all', REDIS_PREFIX: 'pf' });
  });

  it('names every invalid setting in one clear message', () => {
    const attempt = () =>
      loadConfig({ DATABASE_URL: 'mysql://x', REDIS_URL: 'redis://h', JWT_SECRET: 'short', PORT: 'abc', ROLE: 'cron' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (e) {
      const msg = (e as Error).message;
      for (const key of ['DATABASE_URL', 'JWT_SECRET', 'PORT', 'ROLE']) expect(msg).toContain(key);
      expect(msg).not.toContain('REDIS_URL');
    }
  });

  it('checks token lifetime, relay period and log level', () => {
    expect(loadConfig({ ...base, JWT_EXPIRES_IN: '7d', PF_RELAY_EVERY_MS: '300', LOG_LEVEL: 'warn' })).toMatchObject({
      JWT_EXPIRES_IN: '7d',
      PF_RELAY_EVERY_MS: 300,
      LOG_LEVEL: 'warn',
    });
    expect(loadConfig(base)).toMatchObject({ JWT_EXPIRES_IN: '12h', PF_RELAY_EVERY_MS: 5000, LOG_LEVEL: 'log' });
    expect(() => loadConfig({ ...base, JWT_EXPIRES_IN: 'forever' })).toThrow(/JWT_EXPIRES_IN/);
    expect(() => loadConfig({ ...base, PF_RELAY_EVERY_MS: 'soon' })).toThrow(/PF_RELAY_EVERY_MS/);
    expect(() => loadConfig({ ...base, LOG_LEVEL: 'chatty' })).toThrow(/LOG_LEVEL/);
  });

  it('requires the connection strings', () => {
    expect(() => loadConfig({ JWT_SECRET: STRONG })).toThrow(
      /DATABASE_URL[\s\S]*REDIS_URL|REDIS_URL[\s\S]*DATABASE_URL/,
    );
  });

  it('refuses a missing, short, published or patterned JWT secret, in demo mode too', () => {
    const { JWT_SECRET: _, ...noSecret } = base;
    void _;
    for (const JWT_SECRET of [
      undefined,
      'test-secret-123',
      'partyflow-demo-secret',
      'partyflow-demo-secret-partyflow-demo-secret',
      'a'.repeat(64),
      '0123456789abcdef0123456789abcde', // 31 bytes
    ])
      for (const DEMO of ['0', '1'])
        expect({
          JWT_SECRET,
          DEMO,
          error: (() => {
            try {
              loadConfig({ ...noSecret, DEMO, ...(JWT_SECRET ? { JWT_SECRET } : {}) });
              return null;
            } catch (e) {
              return (e as Error).message.includes('JWT_SECRET');
            }
          })(),
        }).toEqual({ JWT_SECRET, DEMO, error: true });
    expect(loadConfig({ ...noSecret, JWT_SECRET: STRONG }).JWT_SECRET).toBe(STRONG);
  });

  it('requires PII_KEY, 32 random bytes in hex or base64, in demo mode too; PII_KEY_PREVIOUS is optional and checked alike', () => {
    const { PII_KEY: _, ...noKey } = base;
    void _;
    for (const key of [undefined, STRONG, randomBytes(16).toString('hex'), '0'.repeat(64)])
      for (const DEMO of ['0', '1'])
        expect(() => loadConfig({ ...noKey, DEMO, ...(key ? { PII_KEY: key } : {}) })).toThrow(/PII_KEY/);
    const hex = randomBytes(32).toString('hex');
    expect(loadConfig({ ...noKey, PII_KEY: hex }).PII_KEY).toBe(hex);
    expect(loadConfig(base).PII_KEY_PREVIOUS).toBeUndefined();
    expect(loadConfig({ ...base, PII_KEY_PREVIOUS: hex }).PII_KEY_PREVIOUS).toBe(hex);
    expect(() => loadConfig({ ...base, PII_KEY_PREVIOUS: 'old' })).toThrow(/PII_KEY_PREVIOUS/);
  });

  it('opens /metrics and /docs in demo mode unless told otherwise, closes them otherwise unless told', () => {
    expect(loadConfig({ ...base, DEMO: '1' })).toMatchObject({ EXPOSE_METRICS: true, EXPOSE_DOCS: true });
    expect(loadConfig(base)).toMatchObject({ EXPOSE_METRICS: false, EXPOSE_DOCS: false });
    expect(loadConfig({ ...base, EXPOSE_METRICS: '1' })).toMatchObject({ EXPOSE_METRICS: true, EXPOSE_DOCS: false });
    expect(loadConfig({ ...base, DEMO: '1', EXPOSE_DOCS: '0', EXPOSE_METRICS: 'false' })).toMatchObject({
      EXPOSE_METRICS: false,
      EXPOSE_DOCS: false,
    });
  });

  it('listens on 127.0.0.1 in demo mode unless HOST says otherwise, on every interface otherwise', () => {
    expect(loadConfig({ ...base, DEMO: '1' }).HOST).toBe('127.0.0.1');
    expect(loadConfig({ ...base, DEMO: '1', HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
    expect(loadConfig(base).HOST).toBe('0.0.0.0');
    expect(() => loadConfig({ ...base, HOST: 'everywhere' })).toThrow(/HOST/);
  });

  it('demo mode generates a JWT secret once per installation, kept (0600) under the data directory', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pf-secrets-'));
    const env = { DEMO: '1', PARTYFLOW_DATA_DIR: 'data' };
    const first = withInstallationSecrets(env, dir);
    const second = withInstallationSecrets(env, dir);
    const other = withInstallationSecrets(env, mkdtempSync(path.join(tmpdir(), 'pf-secrets-')));
    expect(first.JWT_SECRET).toEqual(second.JWT_SECRET);
    expect(first.JWT_SECRET).not.toEqual(other.JWT_SECRET);
    expect(loadConfig({ ...base, ...first }).JWT_SECRET).toBe(first.JWT_SECRET);
    const file = path.join(dir, 'data', 'secrets.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).JWT_SECRET).toBe(first.JWT_SECRET);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // an explicit secret wins; outside demo mode nothing is generated
    expect(withInstallationSecrets({ ...env, JWT_SECRET: STRONG }, dir).JWT_SECRET).toBe(STRONG);
    expect(withInstallationSecrets({ PARTYFLOW_DATA_DIR: 'x' }, dir).JWT_SECRET).toBeUndefined();
  });

  it('demo mode generates the licensing HMAC key per installation too, and no published one is accepted (S35)', () => {
    const env = { DEMO: '1', PARTYFLOW_DATA_DIR: 'data' };
    const first = withInstallationSecrets(env, mkdtempSync(path.join(tmpdir(), 'pf-secrets-')));
    const other = withInstallationSecrets(env, mkdtempSync(path.join(tmpdir(), 'pf-secrets-')));
    expect(Buffer.byteLength(first.LICENSING_WEBHOOK_SECRET!)).toBeGreaterThanOrEqual(32);
    expect(first.LICENSING_WEBHOOK_SECRET).not.toEqual(other.LICENSING_WEBHOOK_SECRET);
    expect(loadConfig({ ...base, ...first }).LICENSING_WEBHOOK_SECRET).toBe(first.LICENSING_WEBHOOK_SECRET);
    for (const published of ['demo-secret', 'test-secret', 'bench-secret'])
      expect(() => loadConfig({ ...base, LICENSING_WEBHOOK_SECRET: published })).toThrow(/LICENSING_WEBHOOK_SECRET/);
  });

  it('demo mode generates the ID numbers key (PII_KEY) per installation and keeps it, since it alone opens them', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pf-secrets-'));
    const env = { DEMO: '1', PARTYFLOW_DATA_DIR: 'data' };
    const first = withInstallationSecrets(env, dir);
    expect(withInstallationSecrets(env, dir).PII_KEY).toBe(first.PII_KEY);
    expect(withInstallationSecrets(env, mkdtempSync(path.join(tmpdir(), 'pf-secrets-'))).PII_KEY).not.toBe(
      first.PII_KEY,
    );
    const { PII_KEY: _, ...noKey } = base;
    void _;
    expect(loadConfig({ ...noKey, ...first }).PII_KEY).toBe(first.PII_KEY);
    expect(withInstallationSecrets({ PARTYFLOW_DATA_DIR: 'x' }, dir).PII_KEY).toBeUndefined();
  });
});
