import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** engine_clock: the one row holding engine time's offset from wall time, shared by every process. */
@Injectable()
export class EngineClockRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The stored offset in milliseconds, undefined before the row exists. */
  async offsetMs(): Promise<number | undefined> {
    const [row] = await this.ds.query(`SELECT offset_ms::float8 AS offset FROM engine_clock WHERE id = 1`);
    return row ? Number(row.offset) : undefined;
  }

  /** Raises the offset to `offsetMs` unless it is already higher (time never runs back); the offset now stored. */
  async raiseOffset(offsetMs: number): Promise<number> {
    // TypeORM answers an UPDATE … RETURNING with [rows, rowCount]
    const [[row]] = await this.ds.query(
      `UPDATE engine_clock SET offset_ms = GREATEST(offset_ms, $1::bigint), updated_at = now() WHERE id = 1 RETURNING offset_ms::float8 AS offset`,
      [Math.round(offsetMs)],
    );
    return Number(row.offset);
  }
}
