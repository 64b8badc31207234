import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { dataSourceOptions, migrate } from './data-source';

/**
 * The TypeORM DataSource through @nestjs/typeorm (its core module is global, as Nest's convention for the
 * default connection): initialized and migrated (under an advisory lock) before anything uses it.
 * Repositories take it with `@InjectDataSource()`.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.DATABASE_URL),
        autoLoadEntities: true,
        // a bad DATABASE_URL fails the start at once (the default retries for half a minute)
        retryAttempts: 0,
      }),
      dataSourceFactory: async (options) => {
        const ds = await new DataSource(options!).initialize();
        const applied = await migrate(ds);
        if (applied.length) new Logger('Persistence').log(`已执行数据库迁移：${applied.join(', ')}`);
        return ds;
      },
    }),
  ],
})
export class PersistenceModule {}
