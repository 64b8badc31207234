import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { RedisModule } from '../libs/common/redis.module';
import { DemoSeeder } from '../libs/demo/demo-seeder';
import { EngineModule } from '../libs/engine/engine.module';
import { OutboxModule } from '../libs/outbox/outbox.module';
import { PersistenceModule } from '../libs/persistence/persistence.module';
import { ApiModule } from './api/api.module';

/** Composes the process: shared engine and persistence, plus the api and/or worker roles. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const roles: DynamicModule['imports'] = [];
    if (config.ROLE !== 'worker') roles.push(ApiModule);
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), PersistenceModule, RedisModule, EngineModule, OutboxModule, ...roles],
      providers: [DemoSeeder],
    };
  }
}
