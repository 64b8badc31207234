'use strict';
/**
 * Quick compile of the application for `npm start` when `npm run build` has not been run: every source file
 * of apps/, libs/, workflows/ and config/ transpiled to CommonJS with @swc/core (the same decorator settings as
 * the tests; type checking is `npm run typecheck`'s job), written to a temporary directory and moved to dist/
 * in one rename, so that several launchers starting at once never see a half-written dist/.
 */
const fs = require('fs');
const path = require('path');

function compileInto(root, outDir) {
  const { transformFileSync } = require('@swc/core');
  const walk = (dir) =>
    fs.readdirSync(dir).flatMap((name) => {
      const p = path.join(dir, name);
      if (fs.statSync(p).isDirectory()) return name === 'node_modules' ? [] : walk(p);
      return /\.ts$/.test(name) && !/\.(spec|e2e-spec|d)\.ts$/.test(name) ? [p] : [];
    });
  for (const file of ['apps', 'libs', 'workflows', 'config'].flatMap((d) => walk(path.join(root, d)))) {
    const { code } = transformFileSync(file, {
      jsc: {
        parser: { syntax: 'typescript', decorators: true, tsx: false },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
      sourceMaps: false,
    });
    const target = path.join(outDir, path.relative(root, file)).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, code);
  }
}

/** Ensures <root>/dist/apps/main.js exists; returns its path. */
function ensureCompiled(root) {
  const dist = path.join(root, 'dist');
  const main = path.join(dist, 'apps', 'main.js');
  if (fs.existsSync(main)) return main;
  const tmp = fs.mkdtempSync(path.join(root, '.dist-'));
  try {
    compileInto(root, tmp);
    try {
      fs.renameSync(tmp, dist);
    } catch (e) {
      if (!fs.existsSync(main)) throw e; // another launcher got there first: use its dist/
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return main;
}

module.exports = { ensureCompiled };
