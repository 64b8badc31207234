import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** Key of the advisory lock under which processes starting together seal the stored ID numbers in turn. */
const SEAL_LOCK_KEY = 727_003;

/**
 * The stored form of `members.id_number` as a whole: the start-up pass that seals rows still in plaintext (or
 * re-seals those of the previous key while rotating) and refuses to start on rows sealed by an unknown key.
 */
@Injectable()
export class MemberIdNumbersRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Runs `fn` on batches of stored ID numbers that are not sealed with key `keyId` (plaintext, or another
   * key's), writing back what it returns, until none is left. One transaction per batch, under an advisory lock
   * so that processes starting together take turns instead of sealing the same rows twice.
   */
  async resealAllBut(
    keyId: string,
    fn: (rows: { id: string; stored: string }[]) => { id: string; sealed: string; blindIndex: string }[],
    batch = 1000,
  ): Promise<number> {
    let done = 0;
    for (;;) {
      const n = await this.ds.transaction(async (em: EntityManager) => {
        await em.query(`SELECT pg_advisory_xact_lock($1)`, [SEAL_LOCK_KEY]);
        const rows: { id: string; stored: string }[] = await em.query(
          `SELECT id, id_number AS stored FROM members
           WHERE id_number NOT LIKE $1 OR id_number_blind_index IS NULL ORDER BY id LIMIT ${Number(batch)}`,
          [`v1.${keyId}.%`],
        );
        if (!rows.length) return 0;
        const out = fn(rows);
        await em.query(
          `UPDATE members m SET id_number = v.sealed, id_number_blind_index = v.blind_index
           FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, sealed, blind_index) WHERE m.id = v.id`,
          [out.map((r) => r.id), out.map((r) => r.sealed), out.map((r) => r.blindIndex)],
        );
        return rows.length;
      });
      done += n;
      if (!n) return done;
    }
  }

  /** One stored ID number sealed with key `keyId`, to prove that the configured key opens it; or undefined. */
  async oneSealedWith(keyId: string): Promise<string | undefined> {
    const [row] = await this.ds.query(`SELECT id_number AS stored FROM members WHERE id_number LIKE $1 LIMIT 1`, [
      `v1.${keyId}.%`,
    ]);
    return row?.stored;
  }
}
