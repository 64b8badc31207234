import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { Public } from '../../libs/auth/auth.guard';
import { REDIS } from '../../libs/common/redis.module';
import { TimerMetrics } from '../../libs/timers/timer-metrics.service';

/** 200 with the state of PostgreSQL and Redis, 503 when either is down. */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly ds: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly metrics: TimerMetrics,
  ) {}

  @Public()
  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.probe('postgres', () => this.ds.query('SELECT 1')),
      () => this.probe('redis', () => this.redis.ping()),
      // queue lag is reported, not judged: late timers are an alert (see /metrics), not an outage
      async () =>
        this.indicator.check('timers').up({ ...(await this.metrics.lag().catch(() => ({ error: 'unavailable' }))) }),
    ]);
  }

  /** Prometheus text: undelivered overdue timer stages, timer lag, outbox backlog. */
  @Public()
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async prometheus() {
    return this.metrics.registry.metrics();
  }

  private async probe(key: string, fn: () => Promise<unknown>) {
    const check = this.indicator.check(key);
    const started = Date.now();
    try {
      await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
      return check.up({ latencyMs: Date.now() - started });
    } catch (e) {
      return check.down({ message: String((e as Error).message) });
    }
  }
}
