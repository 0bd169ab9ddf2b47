import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'switchboard-config-'));
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ DATA_DIR: tempDir() });
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.signupEnabled).toBe(false);
    expect(config.sip.defaultTemplate).toBe('webrtc');
    expect(config.sip.wssUrl).toBe('wss://localhost:8089/ws');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the intercom waits in seconds and bounds them', () => {
    expect(loadConfig({ DATA_DIR: tempDir() }).voicebot).toEqual({
      listenTimeoutMs: 7000,
      ringTimeoutMs: 30_000,
      residentAttempts: 2,
      maxCallMs: 300_000,
    });
    const tuned = loadConfig({
      DATA_DIR: tempDir(),
      VOICEBOT_LISTEN_TIMEOUT_SECONDS: '10',
      VOICEBOT_RING_TIMEOUT_SECONDS: '45',
      VOICEBOT_RESIDENT_ATTEMPTS: '3',
      VOICEBOT_MAX_CALL_SECONDS: '600',
    });
    expect(tuned.voicebot).toEqual({
      listenTimeoutMs: 10_000,
      ringTimeoutMs: 45_000,
      residentAttempts: 3,
      maxCallMs: 600_000,
    });
    expect(() => loadConfig({ DATA_DIR: tempDir(), VOICEBOT_RESIDENT_ATTEMPTS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: tempDir(), VOICEBOT_RING_TIMEOUT_SECONDS: '2' })).toThrow(ConfigError);
  });

  it('sizes the PostgreSQL pool per node: 10 by default, 1–200', () => {
    expect(loadConfig({ DATA_DIR: tempDir() }).databasePoolSize).toBe(10);
    expect(loadConfig({ DATA_DIR: tempDir(), DATABASE_POOL_SIZE: '40' }).databasePoolSize).toBe(40);
    expect(() => loadConfig({ DATA_DIR: tempDir(), DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
    expect(() => loadConfig({ DATA_DIR: tempDir(), DATABASE_POOL_SIZE: 'many' })).toThrow(ConfigError);
  });

  it('reads STUN and TURN servers, and wants the TURN secret with TURN servers', () => {
    const config = loadConfig({
      DATA_DIR: tempDir(),
      WEBRTC_STUN_URLS: 'stun:a.test:3478,stuns:b.test:5349',
      WEBRTC_TURN_URLS: 'turn:t.test:3478',
      WEBRTC_TURN_SECRET: 'a-secret-of-16-chars',
    });
    expect(config.sip.ice).toEqual({
      stunUrls: ['stun:a.test:3478', 'stuns:b.test:5349'],
      turnUrls: ['turn:t.test:3478'],
      turnSecret: 'a-secret-of-16-chars',
      turnTtlSeconds: 43_200,
    });
    expect(() => loadConfig({ DATA_DIR: tempDir(), WEBRTC_TURN_URLS: 'turn:t.test:3478' })).toThrow(
      /WEBRTC_TURN_SECRET/,
    );
    expect(() => loadConfig({ DATA_DIR: tempDir(), WEBRTC_STUN_URLS: 'http://a.test' })).toThrow(ConfigError);
  });

  it('reports every bad variable at once', () => {
    let caught: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://nope',
        SIGNUP_ENABLED: 'maybe',
        JWT_SECRET: 'short',
        SWITCHBOARD_ADMIN_EMAIL: 'not-an-email',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'SIGNUP_ENABLED', 'JWT_SECRET', 'SWITCHBOARD_ADMIN_EMAIL']) {
      expect(problems).toContain(name);
    }
  });

  it('generates the JWT secret once into DATA_DIR, readable only by the owner, and reuses it', () => {
    const dir = tempDir();
    const first = loadConfig({ DATA_DIR: dir });
    const second = loadConfig({ DATA_DIR: dir });
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8')).toBe(first.jwtSecret);
    expect(statSync(join(dir, 'jwt-secret')).mode & 0o077).toBe(0);
  });

  it('resolves relative paths from where npm was invoked (INIT_CWD), as `npm start` at the root puts data in ./data', () => {
    const root = tempDir();
    const config = loadConfig({ INIT_CWD: root, MEDIA_DIR: 'files/media', ASTERISK_RECORDINGS_DIR: 'rec' });
    expect(config.dataDir).toBe(join(root, 'data'));
    expect(readFileSync(join(root, 'data', 'jwt-secret'), 'utf8')).toBe(config.jwtSecret);
    expect(config.media.dir).toBe(join(root, 'files', 'media'));
    expect(config.asterisk.recordingsDir).toBe(join(root, 'rec'));
    expect(loadConfig({ INIT_CWD: root, DATA_DIR: 'elsewhere' }).dataDir).toBe(join(root, 'elsewhere'));
  });

  it('resolves relative paths from the working directory outside npm', () => {
    const dir = tempDir();
    const config = loadConfig({ DATA_DIR: join(dir, 'data'), MEDIA_DIR: 'media-here' });
    expect(config.media.dir).toBe(join(process.cwd(), 'media-here'));
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({ DATA_DIR: tempDir(), DATABASE_URL: '', PORT: '' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.port).toBe(3000);
  });
});
