import { Global, Module } from '@nestjs/common';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import { QUEUE_PROVIDERS, QueueCloser, OUTBOX_QUEUE, TIMERS_QUEUE } from './timer-queue';
import { CalendarYearsService } from './calendar-years.service';
import { TimerDrainService } from './timer-drain.service';
import { TimerMetrics } from './timer-metrics.service';
import { TimerRelay } from './timer-relay.service';

/** Timer delivery and the queues: used by the worker role, by the clock endpoint and by Bull Board. */
@Global()
@Module({
  providers: [
    ...QUEUE_PROVIDERS,
    QueueCloser,
    TimerDrainService,
    TimerRelay,
    OutboxRelay,
    TimerMetrics,
    CalendarYearsService,
  ],
  exports: [TIMERS_QUEUE, OUTBOX_QUEUE, TimerDrainService, TimerRelay, OutboxRelay, TimerMetrics, CalendarYearsService],
})
export class TimersModule {}
