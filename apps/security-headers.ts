import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';

/**
 * The Content-Security-Policy of every response (console, Swagger UI, Bull Board, API). Scripts only from
 * this origin: the console's Vite build, Swagger UI and Bull Board load theirs as files, and no page needs
 * inline script or eval. Inline styles stay allowed because antd (CSS-in-JS) and Swagger UI insert
 * `<style>` elements at run time. `upgrade-insecure-requests` is left out: the demo serves plain HTTP on
 * 127.0.0.1, where it would send the console's own requests to an https:// that does not exist.
 */
export const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    scriptSrcAttr: ["'none'"],
  },
};

/** helmet's headers with the policy above, and no `X-Powered-By` (it only tells attackers what runs here). */
export function applySecurityHeaders(app: INestApplication): void {
  (app as NestExpressApplication).disable('x-powered-by');
  app.use(helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY }));
}
