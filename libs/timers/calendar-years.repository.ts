import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** calendar_years: statutory holiday years added at run time (validated before they get here). */
@Injectable()
export class CalendarYearsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The stored years' data, oldest year first. */
  async all(): Promise<unknown[]> {
    const rows: { data: unknown }[] = await this.ds.query(`SELECT data FROM calendar_years ORDER BY year`);
    return rows.map((r) => r.data);
  }

  /** Stores a year, replacing what was stored for it. */
  async upsert(year: number, data: unknown, addedBy: string): Promise<void> {
    await this.ds.query(
      `INSERT INTO calendar_years (year, data, added_by) VALUES ($1, $2, $3) ON CONFLICT (year) DO UPDATE SET data = EXCLUDED.data, added_by = EXCLUDED.added_by, added_at = now()`,
      [year, data, addedBy],
    );
  }
}
