import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Which administrative regions (GB/T 2260 codes) the registry's organizations belong to. */
@Injectable()
export class PolicyRegionsRepository {
  constructor(private readonly ds: DataSource) {}

  /** The region of the first of these organizations that exists (the caller's home region). */
  async regionOf(orgIds: string[]): Promise<string | null> {
    if (!orgIds.length) return null;
    const [row] = await this.ds.query(
      `SELECT region_code AS "regionCode" FROM orgs WHERE id = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], id) LIMIT 1`,
      [orgIds],
    );
    return row?.regionCode ?? null;
  }
}
