import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  const base = { DATABASE_URL: 'postgres://u@h/db', REDIS_URL: 'redis://h:6379', JWT_SECRET: 'long-enough-secret' };

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
    expect(() => loadConfig({ JWT_SECRET: 'long-enough-secret' })).toThrow(
      /DATABASE_URL[\s\S]*REDIS_URL|REDIS_URL[\s\S]*DATABASE_URL/,
    );
  });
});
