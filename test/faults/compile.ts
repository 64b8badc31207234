import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { transformFileSync } from '@swc/core';

/**
 * Compiles the application's sources (apps, libs, workflows, config) to CommonJS in `outDir`, with the same
 * decorator settings as the tests' transform — a `dist/` like `npm run build` makes, in a few seconds instead
 * of tsc's minute (type checking is `npm run typecheck`'s job). The fault suite runs its processes from it
 * with the same command as the container: `node <dist>/apps/main.js --role …`.
 */
export function compileApp(root: string, outDir: string): string {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path);
      return /\.ts$/.test(name) && !/\.(spec|e2e-spec|d)\.ts$/.test(name) ? [path] : [];
    });
  for (const file of ['apps', 'libs', 'workflows', 'config'].flatMap((d) => walk(join(root, d)))) {
    const { code } = transformFileSync(file, {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
      sourceMaps: false,
    });
    const target = join(outDir, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
  }
  return join(outDir, 'apps', 'main.js');
}
