import { Module } from '@nestjs/common';
import { EngineModule } from '../engine/engine.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { SupervisionRepository } from './supervision.repository';
import { SupervisionService } from './supervision.service';

/** 督办: the supervision items of the inbox and the urges, over the engine's cases and the notifications. */
@Module({
  imports: [EngineModule, NotificationsModule],
  providers: [SupervisionRepository, SupervisionService],
  exports: [SupervisionService],
})
export class SupervisionModule {}
