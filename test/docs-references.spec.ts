/**
 * Keeps the maintainer documentation honest: every repository path and `path#name` reference written in
 * backticks in docs/*.md and README.md must exist, every relative link (and its #anchor) must resolve, every
 * stable error code of the API must be listed in docs/api.md, and nothing in the repository may point to the
 * specification folder outside it (a clone does not have it). A rename that forgets the docs fails here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const DOCS = join(ROOT, 'docs');

/** Top-level folders whose paths, written in backticks, must exist. */
const CHECKED_ROOTS = ['apps/', 'libs/', 'workflows/', 'config/', 'test/', 'scripts/', 'docs/', '.ci/'];
/** Characters that make a backticked path a pattern (`config/calendars/<year>.json`, `workflows/*`). */
const PATTERN_CHARS = /[<*{…]/;

const read = (file: string) => readFileSync(file, 'utf8');
const rel = (file: string) => relative(ROOT, file);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function markdownFiles(): string[] {
  const docs = existsSync(DOCS)
    ? readdirSync(DOCS)
        .filter((f) => f.endsWith('.md'))
        .map((f) => join(DOCS, f))
    : [];
  return [join(ROOT, 'README.md'), ...docs];
}

/** Markdown without fenced code blocks (their content is illustration, not references). */
const withoutFences = (md: string) => md.replace(/^```[\s\S]*?^```/gm, '');

function inlineCode(md: string): string[] {
  return [...withoutFences(md).matchAll(/`([^`\n]+)`/g)].map((m) => m[1].trim());
}

/** GitHub's heading anchors: lower case, punctuation dropped (letters of any script kept), spaces → '-'. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(md: string): Set<string> {
  return new Set([...withoutFences(md).matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => headingSlug(m[1])));
}

/** Problems with one backticked reference (`path`, `path/`, `path#name`, `path#Class.member`), or []. */
function checkReference(token: string): string[] {
  if (!CHECKED_ROOTS.some((r) => token.startsWith(r)) || /\s/.test(token)) return [];
  const [pathPart, symbol] = token.split('#', 2);
  if (PATTERN_CHARS.test(pathPart)) {
    // a pattern: the folder before the first placeholder must exist
    const prefix = pathPart.slice(0, pathPart.search(PATTERN_CHARS));
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    return existsSync(join(ROOT, folder)) ? [] : [`\`${token}\`: folder ${folder} does not exist`];
  }
  const file = join(ROOT, pathPart);
  if (!existsSync(file)) return [`\`${token}\`: ${pathPart} does not exist`];
  if (!symbol) return [];
  if (statSync(file).isDirectory()) return [`\`${token}\`: ${pathPart} is a folder, a #name needs a file`];
  const source = read(file);
  return symbol
    .split('.')
    .filter((part) => !new RegExp(`(^|[^\\w$])${escape(part)}(?![\\w$])`).test(source))
    .map((part) => `\`${token}\`: ${pathPart} has no \`${part}\``);
}

function checkLinks(file: string, md: string): string[] {
  const problems: string[] = [];
  for (const m of withoutFences(md).matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    if (/^[a-z]+:/i.test(target)) continue; // http(s), mailto
    const [path, anchor] = target.split('#', 2);
    const targetFile = path ? resolve(dirname(file), path) : file;
    if (!existsSync(targetFile)) {
      problems.push(`link ${target}: ${rel(targetFile)} does not exist`);
      continue;
    }
    if (anchor && targetFile.endsWith('.md') && !anchorsOf(read(targetFile)).has(decodeURIComponent(anchor)))
      problems.push(`link ${target}: no heading with anchor #${anchor} in ${rel(targetFile)}`);
  }
  return problems;
}

/** Text files of the repository (what a clone holds), skipping dependencies and build output. */
function repositoryTextFiles(): string[] {
  const skip = new Set(['node_modules', '.git', '.data', 'dist', 'coverage', 'test-results']);
  const text = /\.(ts|tsx|js|mjs|cjs|json|md|ya?ml|sh|html|css)$/;
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if ((text.test(entry.name) || dir.endsWith('.ci')) && entry.name !== 'package-lock.json') out.push(path);
    }
  };
  walk(ROOT);
  return out;
}

describe('documentation in the repository', () => {
  const files = markdownFiles();

  it('has the maintainer docs and a README that links to each of them', () => {
    const readme = read(join(ROOT, 'README.md'));
    for (const doc of ['procedures.md', 'glossary.md', 'architecture.md', 'api.md']) {
      expect(existsSync(join(DOCS, doc))).toBe(true);
      expect(readme).toContain(`](docs/${doc})`);
    }
  });

  it.each(files.map((f) => [rel(f), f]))('%s: every backticked path and path#name exists', (_name, file) => {
    const problems = inlineCode(read(file)).flatMap(checkReference);
    expect(problems).toEqual([]);
  });

  it.each(files.map((f) => [rel(f), f]))('%s: every relative link and anchor resolves', (_name, file) => {
    expect(checkLinks(file, read(file))).toEqual([]);
  });

  it('docs/api.md lists every stable error code of the API', () => {
    const api = read(join(DOCS, 'api.md'));
    const unionMembers = (file: string, type: string) => {
      const source = read(join(ROOT, file));
      const body = new RegExp(`type ${type} =([^;]+);`).exec(source)?.[1] ?? '';
      return [...body.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    };
    const codes = [
      ...unionMembers('libs/common/app-error.ts', 'ErrorCode'),
      ...unionMembers('libs/licensing/licensing-errors.ts', 'LicensingErrorCode'),
    ];
    expect(codes.length).toBeGreaterThan(10);
    expect(codes.filter((code) => !api.includes(`\`${code}\``))).toEqual([]);
  });

  it('nothing in the repository points to the specification folder outside it', () => {
    // assembled so that this file does not match itself
    const outside = ['..' + '/shared', '/work' + '/shared'];
    // spec documents that exist only outside the repository (e.g. the procedures spec) by their upper-case names
    const specName = /\b([A-Z][A-Z0-9-]*\.md)\b/g;
    // … and section references to them without a file name (an upper-case name followed by " §")
    const specSection = /\b([A-Z][A-Z0-9-]{2,}) §/g;
    const present = new Set(repositoryTextFiles().map((f) => f.slice(f.lastIndexOf('/') + 1)));
    const problems: string[] = [];
    for (const file of repositoryTextFiles()) {
      const text = read(file);
      for (const o of outside) if (text.includes(o)) problems.push(`${rel(file)} mentions ${o}`);
      for (const m of text.matchAll(specName))
        if (!present.has(m[1]))
          problems.push(`${rel(file)} refers to ${m[1]}, which is not in the repository (point to docs/ instead)`);
      for (const m of text.matchAll(specSection))
        problems.push(`${rel(file)} refers to section "${m[0]}" of a document outside the repository (use docs/…md §)`);
    }
    expect(problems).toEqual([]);
  });
});

describe('the documentation check itself', () => {
  it('builds GitHub-style anchors for headings with Chinese and code', () => {
    expect(headingSlug('Audit and ledger (台帐)')).toBe('audit-and-ledger-台帐');
    expect(headingSlug('1. `membership-transfer` — 组织关系接转 (in step with licensing)')).toBe(
      '1-membership-transfer--组织关系接转-in-step-with-licensing',
    );
  });

  it('refuses a missing file, a missing name and a missing pattern folder, and accepts real ones', () => {
    expect(checkReference('libs/engine/engine.service.ts#EngineService.sendEvent')).toEqual([]);
    expect(checkReference('workflows/<key>/')).toEqual([]);
    expect(checkReference('libs/engine/no-such-file.ts')).toHaveLength(1);
    expect(checkReference('libs/engine/engine.service.ts#noSuchFunction')).toHaveLength(1);
    // a name is matched as a whole word, not as part of a longer one
    expect(checkReference('libs/engine/engine.service.ts#sendEv')).toHaveLength(1);
    expect(checkReference('nowhere/<x>.json')).toEqual([]); // not a checked root: prose, not a reference
    expect(checkReference('libs/nowhere/<x>.json')).toHaveLength(1);
  });

  it('refuses a dead link and a dead anchor', () => {
    const file = join(DOCS, 'api.md');
    expect(checkLinks(file, '[x](procedures.md#the-order-of-checks-for-one-event)')).toEqual([]);
    expect(checkLinks(file, '[x](no-such.md)')).toHaveLength(1);
    expect(checkLinks(file, '[x](procedures.md#no-such-heading)')).toHaveLength(1);
    expect(checkLinks(file, '[x](https://example.invalid/)')).toEqual([]);
  });
});
