import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const CLIENT_DIR = path.join(ROOT, 'libs', 'api-client');

/** Runs the generator in its own process (openapi-typescript is ESM inside, which Jest cannot load). */
function generator(...args: string[]) {
  const r = spawnSync(process.execPath, ['-r', '@swc-node/register', 'scripts/api-client.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * The committed client (libs/api-client) must be what the code produces: a controller or DTO change that
 * alters the contract fails here until `npm run generate:client` is run and its result committed.
 */
describe('generated API client', () => {
  it('openapi.json and schema.d.ts match the code (run `npm run generate:client` when this fails)', () => {
    const r = generator('--check');
    expect(r.output).toContain('is up to date');
    expect(r.status).toBe(0);
  }, 60_000);

  it('detects a drift: a committed document that differs from the code is reported stale', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-client-'));
    try {
      const json = fs.readFileSync(path.join(CLIENT_DIR, 'openapi.json'), 'utf8');
      fs.writeFileSync(path.join(dir, 'openapi.json'), json.replace('"/api/v1/cases"', '"/api/v1/casez"'));
      fs.copyFileSync(path.join(CLIENT_DIR, 'schema.d.ts'), path.join(dir, 'schema.d.ts'));
      const r = generator('--check', '--dir', dir);
      expect(r.status).toBe(1);
      expect(r.output).toContain('stale: openapi.json');
      expect(r.output).not.toContain('schema.d.ts');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('keeps the client free of Node-only imports (the console bundles it for the browser)', () => {
    const source = fs.readFileSync(path.join(CLIENT_DIR, 'index.ts'), 'utf8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.sort()).toEqual(['./schema', 'openapi-fetch']);
  });
});
