import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The database itself, as health checks see it. */
@Injectable()
export class DatabaseRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** One round trip through the pool; throws when PostgreSQL does not answer. */
  async ping(): Promise<void> {
    await this.ds.query('SELECT 1');
  }
}
