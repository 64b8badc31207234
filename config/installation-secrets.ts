import { randomBytes } from 'crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import path from 'path';

/** Settings demo mode generates once per installation when the environment does not give them. */
export const GENERATED_SETTINGS: Record<string, () => string> = {
  JWT_SECRET: () => randomBytes(48).toString('base64url'),
  // the licensing integration's HMAC key: a published demo constant would let anybody sign events
  LICENSING_WEBHOOK_SECRET: () => randomBytes(32).toString('base64url'),
  // the key of the ID numbers at rest: lose it (delete secrets.json) and the demo's ID numbers cannot be read
  PII_KEY: () => randomBytes(32).toString('base64'),
};

export const SECRETS_FILE = 'secrets.json';

/**
 * In demo mode, fills the settings of GENERATED_SETTINGS that the environment lacks from
 * `<PARTYFLOW_DATA_DIR>/secrets.json`, generating and saving (mode 0600) those the file lacks too, so a
 * demo needs no configuration and yet shares no key with any other installation. Outside demo mode the
 * environment is returned unchanged: a missing secret then stops the process (configuration validation).
 */
export function withInstallationSecrets(
  env: Record<string, string | undefined>,
  cwd = process.cwd(),
): Record<string, string | undefined> {
  const demo = env.DEMO === '1' || env.DEMO === 'true';
  const missing = Object.keys(GENERATED_SETTINGS).filter((k) => !env[k]);
  if (!demo || !missing.length) return env;
  const dir = path.resolve(cwd, env.PARTYFLOW_DATA_DIR || '.data');
  const file = path.join(dir, SECRETS_FILE);
  let saved: Record<string, string> = {};
  try {
    saved = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e: any) {
    if (e?.code !== 'ENOENT')
      throw new Error(`无法读取 ${file}（cannot read the installation secrets: ${e?.message}）`, { cause: e });
  }
  const toGenerate = missing.filter((k) => typeof saved[k] !== 'string');
  if (toGenerate.length) {
    for (const k of toGenerate) saved[k] = GENERATED_SETTINGS[k]();
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, JSON.stringify(saved, null, 2) + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return { ...env, ...Object.fromEntries(missing.map((k) => [k, saved[k]])) };
}
