import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { buildServer } from '../src/http/server.ts';

describe('seatwise serve', () => {
  it('answers /health without authentication', async () => {
    const app = buildServer({ logLevel: 'silent' });
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    const missing = await app.inject({ method: 'GET', url: '/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'not_found', message: 'No route for GET /nope' } });
    await app.close();
  });

  it('reads defaults and rejects a bad setting naming the variable', () => {
    expect(loadConfig({})).toMatchObject({
      SEATWISE_PORT: 4310,
      SEATWISE_HOST: '127.0.0.1',
      SEATWISE_DATA_DIR: './data',
      LOG_LEVEL: 'info',
    });
    expect(() => loadConfig({ SEATWISE_PORT: 'eighty' })).toThrow(/SEATWISE_PORT/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });
});
