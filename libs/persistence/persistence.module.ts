import { Global, Logger, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { createDataSource, migrate } from './data-source';

/** The TypeORM DataSource, initialized and migrated (under an advisory lock) before anything uses it. */
@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        const ds = createDataSource(config.DATABASE_URL);
        await ds.initialize();
        const applied = await migrate(ds);
        if (applied.length) new Logger('Persistence').log(`已执行数据库迁移：${applied.join(', ')}`);
        return ds;
      },
    },
  ],
  exports: [DataSource],
})
export class PersistenceModule {}
