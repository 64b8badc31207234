import type { Provider } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'crypto';
import { DataSource } from 'typeorm';
import { IdNumberCipher } from '../../libs/common/id-number-cipher';
import { buildDemoRegion, DemoRegion } from '../../libs/demo/demo-region';
import { insertRegion } from '../../libs/demo/demo-seeder';
import { dataSourceOptions, migrate } from '../../libs/persistence/data-source';
import { connectToServer, withDatabase } from './global-setup';

export interface TestDatabase {
  module: TestingModule;
  ds: DataSource;
  region: DemoRegion;
  get: <T>(type: new (...args: any[]) => T) => T;
  close: () => Promise<void>;
}

/**
 * A database of its own for one repository suite (created, migrated, demo region seeded), and a Nest
 * testing module wiring the given repositories to it the way the application does (@nestjs/typeorm).
 * No HTTP, no Redis: repositories are tested against real PostgreSQL only.
 */
export async function startDatabase(providers: Provider[], opts: { seed?: boolean } = {}): Promise<TestDatabase> {
  const suffix = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
  const database = `${new URL(process.env.DATABASE_URL!).pathname.slice(1) || 'partyflow'}_repo_${suffix}`.slice(0, 63);
  const admin = await connectToServer(process.env.DATABASE_URL!);
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const url = withDatabase(process.env.DATABASE_URL!, database);
  const idNumbers = new IdNumberCipher(randomBytes(32));
  const module = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRootAsync({
        useFactory: () => ({ ...dataSourceOptions(url, 5), autoLoadEntities: true, retryAttempts: 0 }),
        dataSourceFactory: async (options) => {
          const ds = await new DataSource(options!).initialize();
          await migrate(ds);
          return ds;
        },
      }),
    ],
    // the repositories that read and write ID numbers seal them with a key of this database's own
    providers: [...providers, { provide: IdNumberCipher, useValue: idNumbers }],
  }).compile();
  const ds = module.get(DataSource);
  const region = buildDemoRegion();
  if (opts.seed !== false) await ds.transaction((em) => insertRegion(em, region, 'x', idNumbers));
  return {
    module,
    ds,
    region,
    get: (type) => module.get(type),
    close: async () => {
      await module.close();
      const admin = await connectToServer(process.env.DATABASE_URL!);
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await admin.end();
    },
  };
}
