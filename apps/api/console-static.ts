import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
import fs from 'fs';
import path from 'path';

/** Where `vite build` puts the web console (apps/console/dist), relative to the repository. */
export const CONSOLE_DIST = path.resolve(__dirname, '..', 'console', 'dist');

/** Paths that belong to the server, never to the console's client-side routes. */
const SERVER_PATHS = /^\/(api|docs|docs-json|health|metrics|admin)(\/|$|-)/;

/**
 * Serves the web console at `/` from the same process and port: hashed assets under /assets (cached
 * for a year), and index.html for every other GET that is not the server's (deep links such as
 * /cases/:id load the app, whose router takes over). Registered before Nest's routes; everything it
 * does not answer falls through to them (and to their 404).
 */
export function mountConsole(app: NestExpressApplication, dist = CONSOLE_DIST): void {
  const index = path.join(dist, 'index.html');
  const assets = express.static(path.join(dist, 'assets'), { index: false, maxAge: '365d', immutable: true });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (SERVER_PATHS.test(req.path)) return next();
    if (req.path.startsWith('/assets/')) {
      req.url = req.url.slice('/assets'.length);
      return assets(req, res, () => {
        req.url = `/assets${req.url}`;
        next();
      });
    }
    // a file name that is not an asset (favicon.ico, robots.txt…) is not a client-side route
    if (path.extname(req.path)) return next();
    if (!fs.existsSync(index)) {
      res
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('控制台尚未构建：npm run demo 会自动构建，或运行 node scripts/provision/console.js');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}
