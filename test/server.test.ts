import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { defaultDataDir } from '../src/dataLocation.ts';

describe('configuration', () => {
  it('reads defaults and rejects a bad setting naming the variable', () => {
    expect(loadConfig({})).toMatchObject({
      SEATWISE_PORT: 4310,
      SEATWISE_HOST: '127.0.0.1',
      SEATWISE_DATA_DIR: defaultDataDir(),
      dataDirFromEnv: false,
      LOG_LEVEL: 'info',
    });
    expect(defaultDataDir()).toBe(
      join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'seatwise'),
    );
    expect(loadConfig({ SEATWISE_DATA_DIR: 'here' })).toMatchObject({
      SEATWISE_DATA_DIR: join(process.cwd(), 'here'),
      dataDirFromEnv: true,
    });
    expect(() => loadConfig({ SEATWISE_PORT: 'eighty' })).toThrow(/SEATWISE_PORT/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ SEATWISE_SECRET_KEY: 'short' })).toThrow(/SEATWISE_SECRET_KEY/);
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
});
