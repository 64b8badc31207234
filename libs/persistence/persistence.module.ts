import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { cancelStatementsOfAbandonedRequests } from './cancel-on-disconnect';
import {
  createDataSource,
  dataSourceOptions,
  grantApplicationRole,
  guardPooledConnections,
  migrate,
} from './data-source';

/**
 * The TypeORM DataSource through @nestjs/typeorm (its core module is global, as Nest's convention for the
 * default connection): initialized and migrated (under an advisory lock) before anything uses it.
 * Repositories take it with `@InjectDataSource()`. With MIGRATION_DATABASE_URL the migrations run as that
 * (owner) role, which then grants the application role of DATABASE_URL what it needs — on `case_history`
 * only SELECT and INSERT (docs/operations.md).
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.DATABASE_URL, undefined, config.DB_STATEMENT_TIMEOUT_MS),
        autoLoadEntities: true,
        // a bad DATABASE_URL fails the start at once (the default retries for half a minute)
        retryAttempts: 0,
        // carried to the factory below, which migrates as the owner role when one is configured
        migrationUrl: config.MIGRATION_DATABASE_URL,
      }),
      dataSourceFactory: async (options) => {
        const { migrationUrl, ...dsOptions } = options as typeof options & { migrationUrl?: string };
        const ds = await new DataSource(dsOptions!).initialize();
        guardPooledConnections(ds);
        cancelStatementsOfAbandonedRequests(ds);
        let applied: string[];
        const appUrl = (dsOptions as { url?: string }).url!;
        // a connection of its own, without the application's statement_timeout: a migration may rewrite a big table
        const owner = createDataSource(migrationUrl ?? appUrl, 2);
        await owner.initialize();
        try {
          applied = await migrate(owner);
          if (migrationUrl && migrationUrl !== appUrl) {
            const [{ role }] = await ds.query(`SELECT current_user AS role`);
            const [{ same }] = await owner.query(`SELECT current_user = $1 AS same`, [role]);
            if (!same) await grantApplicationRole(owner, role);
          }
        } finally {
          await owner.destroy();
        }
        if (applied.length) new Logger('Persistence').log(`已执行数据库迁移：${applied.join(', ')}`);
        return ds;
      },
    }),
  ],
})
export class PersistenceModule {}
