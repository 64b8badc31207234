import { INestApplication, RequestMethod } from '@nestjs/common';

/**
 * The base path of the public API. Health and metrics stay at the root because probes and scrapers
 * expect them there. Shared by the running app and the offline OpenAPI build so both see the same paths.
 */
export function applyGlobalPrefix(app: INestApplication): void {
  app.setGlobalPrefix('api/v1', {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
}
