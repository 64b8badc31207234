import { Module } from '@nestjs/common';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import { QueueModule } from '../queue/queue.module';
import { CalendarYearsRepository } from './calendar-years.repository';
import { CalendarYearsService } from './calendar-years.service';
import { ClockAdvanceService } from './clock-advance.service';
import { DueWorkRepository } from './due-work.repository';
import { TimerDrainService } from './timer-drain.service';
import { TimerMetrics } from './timer-metrics.service';
import { TimerRelay } from './timer-relay.service';
import { NotificationsModule } from '../notifications/notifications.module';
import { EngineModule } from '../engine/engine.module';
import { OutboxModule } from '../outbox/outbox.module';

/** Timer delivery and the queues: used by the worker role, by the clock endpoint and by Bull Board. */
@Module({
  imports: [OutboxModule, EngineModule, NotificationsModule, QueueModule],
  providers: [
    TimerDrainService,
    ClockAdvanceService,
    TimerRelay,
    OutboxRelay,
    TimerMetrics,
    CalendarYearsRepository,
    CalendarYearsService,
    DueWorkRepository,
  ],
  exports: [
    QueueModule,
    TimerDrainService,
    ClockAdvanceService,
    TimerRelay,
    OutboxRelay,
    TimerMetrics,
    CalendarYearsService,
    DueWorkRepository,
  ],
})
export class TimersModule {}
