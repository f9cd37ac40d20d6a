import { ConfigError, DEVELOPMENT_SESSION_SECRET, loadConfig } from '../src/config';

describe('configuration', () => {
  it('has safe defaults for a local run', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      sessionSecret: DEVELOPMENT_SESSION_SECRET,
      pageCacheEntries: 500,
      pageCacheBytes: 128 * 1024 * 1024,
    });
    expect(config.dataDir).toMatch(/\.data$/);
    expect(loadConfig({ PAGE_CACHE_MB: '16' }).pageCacheBytes).toBe(16 * 1024 * 1024);
    expect(() => loadConfig({ PAGE_CACHE_MB: '0' })).toThrow(/PAGE_CACHE_MB/);
    // Open-data files are written ahead once the data has stayed the same a minute; 0 never.
    expect(config.openDataPrepareMs).toBe(60_000);
    expect(loadConfig({ OPEN_DATA_PREPARE_SECONDS: '0' }).openDataPrepareMs).toBe(0);
    expect(() => loadConfig({ OPEN_DATA_PREPARE_SECONDS: '-1' })).toThrow(/OPEN_DATA_PREPARE_SECONDS/);
  });

  it('refuses to start in production with the default session secret, without a database or without the public address', () => {
    const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), DATABASE_URL: 'postgres://db/app' };
    expect(() => loadConfig({ ...production, SESSION_SECRET: undefined })).toThrow(/default SESSION_SECRET/);
    expect(() => loadConfig({ ...production, DATABASE_URL: undefined })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig(production)).toThrow(/PUBLIC_URL/);
    expect(loadConfig({ ...production, PUBLIC_URL: 'https://tracker.example.org/' })).toMatchObject({
      env: 'production',
      publicUrl: 'https://tracker.example.org',
    });
  });

  it('keeps mail in the outbox unless an SMTP server is given, and builds links from PUBLIC_URL or the local address', () => {
    expect(loadConfig({ PORT: '4000' })).toMatchObject({ publicUrl: 'http://localhost:4000', mail: { smtpUrl: undefined } });
    expect(loadConfig({ SMTP_URL: 'smtp://user:secret@mail.example.org:587' }).mail.smtpUrl).toBe(
      'smtp://user:secret@mail.example.org:587',
    );
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example.org' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ PUBLIC_URL: 'javascript:alert(1)' })).toThrow(/PUBLIC_URL/);
  });

  it('names every invalid variable at once', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://db/app', SESSION_SECRET: 'short' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://db/app', SESSION_SECRET: 'short' });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/DATABASE_URL/);
      expect((error as Error).message).toMatch(/SESSION_SECRET/);
    }
  });

  it('trusts a proxy only as told: never any client (true), a hop count, or the proxies’ addresses', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(
      /TRUST_PROXY: true would trust an X-Forwarded-For header any client can invent/,
    );
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.0.0.0/8, loopback, ::1' }).trustProxy).toBe('10.0.0.1, 10.0.0.0/8, loopback, ::1');
    for (const bad of ['yes', '0', '11', '10.0.0.300', '10.0.0.0/33', 'proxy.example.org']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
    }
  });
});
