import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { Public } from '../../libs/auth/auth.guard';
import { REDIS } from '../../libs/common/redis.module';
import { DatabaseRepository } from '../../libs/persistence/database.repository';
import { TimerMetrics } from '../../libs/timers/timer-metrics.service';
import { ErrorBody, HealthView } from './dto/responses';

/**
 * `/health`: 200 with the state of PostgreSQL and Redis, 503 when either is down (the full picture).
 * `/health/live`: the process answers (restart it when this fails). `/health/ready`: it can serve requests,
 * i.e. PostgreSQL answers; Redis being away only degrades delivery (the worker's PostgreSQL fallback
 * delivers due timers) and is reported, not judged.
 */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly database: DatabaseRepository,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly metrics: TimerMetrics,
  ) {}

  @Public()
  @Get('health')
  @ApiOperation({ summary: '健康检查：PostgreSQL、Redis 与定时任务积压' })
  @ApiOkResponse({ type: HealthView })
  @ApiResponse({
    status: 503,
    description: 'PostgreSQL 或 Redis 不可用（DEPENDENCY_UNAVAILABLE，details 为各依赖的检查结果）',
    type: ErrorBody,
  })
  // terminus documents in the Swagger 2 shape (invalid OpenAPI 3): the responses are declared above instead
  @HealthCheck({ swaggerDocumentation: false })
  check() {
    return this.health.check([
      () => this.probe('postgres', () => this.database.ping()),
      () => this.probe('redis', () => this.redis.ping()),
      // queue lag is reported, not judged: late timers are an alert (see /metrics), not an outage
      async () =>
        this.indicator.check('timers').up({ ...(await this.metrics.lag().catch(() => ({ error: 'unavailable' }))) }),
    ]);
  }

  @Public()
  @Get('health/live')
  @ApiOperation({ summary: '存活检查：进程能应答（失败时应重启进程）' })
  @ApiOkResponse({
    description: '进程存活',
    schema: {
      type: 'object',
      properties: { status: { type: 'string', example: 'ok' }, uptimeSeconds: { type: 'integer' } },
      required: ['status', 'uptimeSeconds'],
    },
  })
  live() {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  @Public()
  @Get('health/ready')
  @ApiOperation({ summary: '就绪检查：PostgreSQL 可用即可服务（Redis 不可用时报告 degraded，不影响就绪）' })
  @ApiOkResponse({ type: HealthView })
  @ApiResponse({ status: 503, description: 'PostgreSQL 不可用（DEPENDENCY_UNAVAILABLE）', type: ErrorBody })
  @HealthCheck({ swaggerDocumentation: false })
  ready() {
    return this.health.check([
      () => this.probe('postgres', () => this.database.ping()),
      async () => {
        const redis = await this.probe('redis', () => this.redis.ping());
        // reported with its state, never a reason to take this process out of service
        return { redis: { ...redis.redis, status: 'up', degraded: redis.redis.status !== 'up' } };
      },
    ]);
  }

  /** Prometheus text: undelivered overdue timer stages, timer lag, outbox backlog. */
  @Public()
  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus 指标' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus 文本格式', schema: { type: 'string' } })
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
