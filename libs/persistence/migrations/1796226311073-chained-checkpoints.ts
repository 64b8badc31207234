import { createHmac, timingSafeEqual } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Chains the signed daily history checkpoints: each checkpoint's signed message now also holds the day and
 * the signature of the checkpoint before it (`prev_day`, `prev_signature`). A table owner who deletes a whole
 * day — its history and its checkpoint — leaves the next checkpoint pointing at a day that is no longer
 * there, and verify reports the missing link.
 *
 * Rows that exist when this runs were signed without a link. They can only be chained with the key, which is
 * never in the database: when HISTORY_CHECKPOINT_KEY is in this process's environment (migrations run at
 * start-up, in the same process as the application) each old row whose old signature is still genuine is
 * re-signed in day order as a link of the chain. Without the key — or from the first row whose old signature
 * no longer holds, since re-signing it would launder a forgery — the rows are marked `legacy`: verify checks
 * them the old way (signature and digest, no link), and the chain starts at the first checkpoint taken after
 * this migration (which still names the last legacy row as its predecessor).
 *
 * The message formats are written out here rather than imported: a migration is a frozen record of what it
 * did, and libs/persistence imports no other lib. libs/audit/history-checkpoint.service.ts signs the same
 * chained message.
 */
export class ChainedCheckpoints1796226311073 implements MigrationInterface {
  name = 'ChainedCheckpoints1796226311073';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE history_checkpoints
        ADD COLUMN prev_day date,
        ADD COLUMN prev_signature text,
        ADD COLUMN legacy boolean NOT NULL DEFAULT false;
    `);
    const rows: { day: string; rows: number; digest: string; signature: string; key_id: string }[] = await q.query(
      `SELECT day::text AS day, rows, digest, signature, key_id FROM history_checkpoints ORDER BY day`,
    );
    if (!rows.length) return;
    const key = process.env.HISTORY_CHECKPOINT_KEY;
    const hmac = (text: string) => createHmac('sha256', key!).update(text).digest('hex');
    const keyId = key && key.length >= 32 ? hmac('key-id').slice(0, 12) : undefined;
    await q.query(`ALTER TABLE history_checkpoints DISABLE TRIGGER history_checkpoints_no_update`);
    let prev: { day: string; signature: string } | undefined;
    let chaining = !!keyId;
    for (const r of rows) {
      if (chaining) {
        const old = Buffer.from(hmac(`partyflow-history-checkpoint|${r.day}|${r.rows}|${r.digest}`), 'hex');
        const given = Buffer.from(r.signature, 'hex');
        chaining = r.key_id === keyId && given.length === old.length && timingSafeEqual(given, old);
      }
      if (chaining) {
        const signature = hmac(
          `partyflow-history-checkpoint|${r.day}|${r.rows}|${r.digest}|${prev?.day ?? ''}|${prev?.signature ?? ''}`,
        );
        await q.query(
          `UPDATE history_checkpoints SET signature = $2, prev_day = $3, prev_signature = $4 WHERE day = $1`,
          [r.day, signature, prev?.day ?? null, prev?.signature ?? null],
        );
        prev = { day: r.day, signature };
      } else await q.query(`UPDATE history_checkpoints SET legacy = true WHERE day = $1`, [r.day]);
    }
    await q.query(`ALTER TABLE history_checkpoints ENABLE TRIGGER history_checkpoints_no_update`);
  }

  /** Re-signed rows keep their chained signature: after a revert they verify as altered until re-taken. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE history_checkpoints DROP COLUMN prev_day, DROP COLUMN prev_signature, DROP COLUMN legacy`,
    );
  }
}
