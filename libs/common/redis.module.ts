import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';

export const REDIS = Symbol('REDIS');

/** One shared ioredis connection for health checks and light use (BullMQ opens its own). */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const redis = new Redis(config.REDIS_URL, {
          maxRetriesPerRequest: 1,
          lazyConnect: false,
          enableOfflineQueue: false,
        });
        // Redis being away is reported by /health and handled by the worker's fallback; without a listener
        // ioredis prints every reconnection failure as an "unhandled error event"
        redis.on('error', () => undefined);
        return redis;
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown() {
    this.redis.disconnect();
  }
}
