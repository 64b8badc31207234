/**
 * The shape of the code, checked from the source (docs/architecture.md "Layers and the architecture test"):
 * SQL only in repositories, no import cycle between the libs modules, nothing imported upward. Each failure
 * names the file and line that breaks the rule. Plain reading of the files: no compiler, no database.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '..');

/** Where `.query(` may appear besides `*.repository.ts` and migrations, and why. */
const SQL_ALLOWED: Record<string, string> = {
  'libs/persistence/prepared.ts': 'the driver call: named prepared statements on the pg client',
  'libs/persistence/savepoint.ts': 'transaction control (SAVEPOINT / RELEASE / ROLLBACK TO) for any repository',
  'libs/persistence/capped-count.ts':
    "capped counts of any repository's list (the planner's estimate, then a bounded count)",
  'libs/persistence/data-source.ts': 'the migration lock and the grants to the application role',
  'libs/persistence/persistence.module.ts': 'which role runs the migrations, at boot',
};
/** The demo region and its seeders write the demo data set; the benchmark lives outside apps/ and libs/. */
const SQL_ALLOWED_FOLDERS = ['libs/demo/', 'libs/persistence/migrations/'];

/**
 * What workflows/ may import from libs/: the kernel-level helpers a machine's payload classes need, which
 * import nothing of the application themselves.
 */
const WORKFLOW_KERNEL_LIBS = ['libs/common/iso-date.validator.ts'];

/** The foundation: these libs import one another at most, and of workflows/ only the kernel. */
const FOUNDATION = ['persistence', 'common', 'auth', 'calendar', 'policy'];

/** The composition root may wire the demo mode (`npm run demo`); nothing else in production imports libs/demo. */
const DEMO_WIRING = ['apps/main.ts', 'apps/bootstrap.ts', 'apps/app.module.ts'];

interface Source {
  file: string; // repository-relative, '/' separators
  lines: string[];
}

interface Import {
  from: Source;
  line: number;
  /** repository-relative path of the imported file (or folder index), without extension */
  target: string;
  typeOnly: boolean;
}

const posix = (p: string) => p.split(sep).join('/');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Production TypeScript of a top-level folder (tests and the web console are not production server code). */
function sources(top: string): Source[] {
  return walk(join(ROOT, top))
    .map((f) => posix(relative(ROOT, f)))
    .filter(
      (f) => !/\.(spec|e2e-spec)\.ts$/.test(f) && !f.startsWith('apps/console/') && !f.startsWith('libs/api-client/'),
    )
    .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n') }));
}

const SERVER = [...sources('apps'), ...sources('libs'), ...sources('workflows'), ...sources('config')];

/** The line with comments blanked (block comments may span lines: tracked per file). */
function codeLines(src: Source): string[] {
  let inBlock = false;
  return src.lines.map((line) => {
    let out = '';
    for (let i = 0; i < line.length; i++) {
      if (inBlock) {
        if (line.startsWith('*/', i)) {
          inBlock = false;
          i++;
        }
        continue;
      }
      if (line.startsWith('/*', i)) {
        inBlock = true;
        i++;
        continue;
      }
      if (line.startsWith('//', i)) break;
      out += line[i];
    }
    return out;
  });
}

function importsOf(src: Source): Import[] {
  const out: Import[] = [];
  const code = codeLines(src);
  // an import statement may span lines: find `from '…'` and walk back to its `import`/`export` keyword
  code.forEach((text, i) => {
    const m = /\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/.exec(text) ?? /^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/.exec(text);
    if (!m) return;
    let start = i;
    while (start > 0 && !/^\s*(import|export)\b/.test(code[start])) start--;
    const typeOnly = /^\s*(import|export)\s+type\b/.test(code[start]);
    const target = posix(relative(ROOT, resolve(ROOT, dirname(src.file), m[1])));
    out.push({ from: src, line: start + 1, target, typeOnly });
  });
  return out;
}

const IMPORTS = SERVER.flatMap(importsOf);
const at = (i: Import) => `${i.from.file}:${i.line}`;
const libOf = (path: string) => /^libs\/([^/]+)\//.exec(`${path}/`)?.[1];

/**
 * Every cycle of a module graph (each edge labelled with the import that makes it), once each, starting at its
 * smallest module: depth-first from each module through larger ones only (the graph is small).
 */
function findCycles(edges: Map<string, Map<string, string>>): string[] {
  const cycles: string[] = [];
  const visit = (start: string, node: string, path: string[]) => {
    for (const next of edges.get(node)?.keys() ?? []) {
      if (next === start) {
        const ring = [...path, start];
        cycles.push(
          ring
            .slice(0, -1)
            .map((m, k) => `${m} → ${ring[k + 1]} (${edges.get(m)!.get(ring[k + 1])})`)
            .join(', '),
        );
      } else if (!path.includes(next) && next > start) visit(start, next, [...path, next]);
    }
  };
  for (const m of [...edges.keys()].sort()) visit(m, m, [m]);
  return cycles;
}

describe('architecture', () => {
  it('finds the source it checks (a broken walk would pass everything)', () => {
    expect(SERVER.length).toBeGreaterThan(100);
    expect(IMPORTS.length).toBeGreaterThan(500);
    expect(SERVER.some((s) => s.file === 'libs/engine/engine.service.ts')).toBe(true);
  });

  it('runs SQL (`.query(`) only in *.repository.ts, migrations and the persistence driver layer', () => {
    const offenders: string[] = [];
    for (const src of SERVER) {
      if (!src.file.startsWith('apps/') && !src.file.startsWith('libs/')) continue;
      if (src.file.endsWith('.repository.ts') || SQL_ALLOWED[src.file]) continue;
      if (SQL_ALLOWED_FOLDERS.some((f) => src.file.startsWith(f))) continue;
      codeLines(src).forEach((text, i) => {
        if (/\.query\s*\(/.test(text)) offenders.push(`${src.file}:${i + 1}: ${src.lines[i].trim()}`);
      });
    }
    expect(offenders).toEqual([]);
    // the allowances are still needed (the check sees the calls there), so none outlives its reason
    for (const file of Object.keys(SQL_ALLOWED))
      expect(`${file}: ${codeLines(SERVER.find((s) => s.file === file)!).some((t) => /\.query\s*\(/.test(t))}`).toBe(
        `${file}: true`,
      );
  });

  it('has no import cycle between libs modules', () => {
    // module graph: libs/<a> → libs/<b>, each edge with the first import that makes it
    const edges = new Map<string, Map<string, string>>();
    for (const i of IMPORTS) {
      const a = libOf(i.from.file);
      const b = libOf(i.target);
      if (!a || !b || a === b) continue;
      if (!edges.has(a)) edges.set(a, new Map());
      if (!edges.get(a)!.has(b)) edges.get(a)!.set(b, at(i));
    }
    expect(findCycles(edges)).toEqual([]);
  });

  it('the cycle finder names each edge of a cycle by file and line (a finder that finds nothing passes all)', () => {
    const graph = new Map([
      ['engine', new Map([['outbox', 'libs/engine/a.ts:1']])],
      ['outbox', new Map([['timers', 'libs/outbox/b.ts:2']])],
      ['timers', new Map([['engine', 'libs/timers/c.ts:3']])],
      ['common', new Map([['engine', 'libs/common/d.ts:4']])],
    ]);
    expect(findCycles(graph)).toEqual([
      'engine → outbox (libs/engine/a.ts:1), outbox → timers (libs/outbox/b.ts:2), timers → engine (libs/timers/c.ts:3)',
    ]);
  });

  it('keeps the foundation libs (persistence, common, auth, calendar, policy) off everything above them', () => {
    const offenders = IMPORTS.filter((i) => {
      const from = libOf(i.from.file);
      if (!from || !FOUNDATION.includes(from)) return false;
      const to = libOf(i.target);
      if (to) return !FOUNDATION.includes(to);
      return (
        i.target.startsWith('apps/') || (i.target.startsWith('workflows/') && !i.target.startsWith('workflows/kernel/'))
      );
    }).map((i) => `${at(i)} imports ${i.target}`);
    expect(offenders).toEqual([]);
  });

  it('keeps workflows/ free of libs/ (but for the kernel-level helpers)', () => {
    const offenders = IMPORTS.filter(
      (i) =>
        i.from.file.startsWith('workflows/') &&
        i.target.startsWith('libs/') &&
        !WORKFLOW_KERNEL_LIBS.includes(`${i.target}.ts`),
    ).map((i) => `${at(i)} imports ${i.target}`);
    expect(offenders).toEqual([]);
  });

  it('keeps production code off libs/demo (only the composition root wires the demo mode)', () => {
    const offenders = IMPORTS.filter(
      (i) =>
        i.target.startsWith('libs/demo/') &&
        !i.from.file.startsWith('libs/demo/') &&
        !DEMO_WIRING.includes(i.from.file),
    ).map((i) => `${at(i)} imports ${i.target}`);
    expect(offenders).toEqual([]);
  });

  it('keeps libs/engine free of any procedure: workflows/kernel and the workflows/ index only', () => {
    const offenders = IMPORTS.filter(
      (i) =>
        i.from.file.startsWith('libs/engine/') &&
        i.target.startsWith('workflows/') &&
        !i.target.startsWith('workflows/kernel/') &&
        i.target !== 'workflows' &&
        i.target !== 'workflows/index',
    ).map((i) => `${at(i)} imports ${i.target}`);
    expect(offenders).toEqual([]);
  });

  it('keeps libs/engine off the domain modules: effects and facts reach it only as registered handlers', () => {
    // the modules that register @EffectHandler / @FactLoader methods (libs/engine/engine-extensions.ts) import the
    // engine, never the reverse. Besides the foundation the engine needs the outbox (effects written for after
    // commit) and the registry (a principal's scope, the parties of a case, the subject's facts at opening)
    const ENGINE_MAY_IMPORT = [...FOUNDATION, 'engine', 'outbox', 'registry'];
    const offenders = IMPORTS.filter(
      (i) => i.from.file.startsWith('libs/engine/') && libOf(i.target) && !ENGINE_MAY_IMPORT.includes(libOf(i.target)!),
    ).map((i) => `${at(i)} imports ${i.target}`);
    expect(offenders).toEqual([]);
    // the dispatchers know no data at all: the registry is imported by the engine only for scope and parties
    // (engine.service.ts, party-resolver.ts), never by the services that perform effects and load facts
    const dispatchers = ['libs/engine/effects.service.ts', 'libs/engine/facts.service.ts'];
    const registry = IMPORTS.filter((i) => dispatchers.includes(i.from.file) && libOf(i.target) === 'registry').map(
      (i) => `${at(i)} imports ${i.target}`,
    );
    expect(registry).toEqual([]);
    // the check sees the dispatchers (a renamed file would pass everything)
    for (const file of dispatchers) expect(SERVER.some((s) => s.file === file)).toBe(true);
  });

  it('lets only the configuration and the Redis connection be @Global(): every other module imports what it uses', () => {
    const allowed = ['config/config.module.ts', 'libs/common/redis.module.ts'];
    const globals = SERVER.flatMap((src) =>
      codeLines(src)
        .map((line, i) => (/@Global\(\)/.test(line) ? `${src.file}:${i + 1}` : null))
        .filter((x): x is string => x !== null),
    );
    expect(globals.filter((g) => !allowed.includes(g.split(':')[0]))).toEqual([]);
    // the check sees the two it allows (a broken scan would pass everything)
    expect(globals.map((g) => g.split(':')[0]).sort()).toEqual(expect.arrayContaining(allowed));
  });
});
