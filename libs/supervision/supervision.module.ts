import { Module } from '@nestjs/common';
import { SupervisionRepository } from './supervision.repository';
import { SupervisionService } from './supervision.service';

/** 督办: the supervision items of the inbox and the urges (the engine and the notifications are global). */
@Module({
  providers: [SupervisionRepository, SupervisionService],
  exports: [SupervisionService],
})
export class SupervisionModule {}
