import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

describe('configuration', () => {
  it('reads defaults and rejects a bad setting naming the variable', () => {
    expect(loadConfig({})).toMatchObject({
      SEATWISE_PORT: 4310,
      SEATWISE_HOST: '127.0.0.1',
      SEATWISE_DATA_DIR: './data',
      LOG_LEVEL: 'info',
    });
    expect(() => loadConfig({ SEATWISE_PORT: 'eighty' })).toThrow(/SEATWISE_PORT/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ SEATWISE_SECRET_KEY: 'short' })).toThrow(/SEATWISE_SECRET_KEY/);
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
});
