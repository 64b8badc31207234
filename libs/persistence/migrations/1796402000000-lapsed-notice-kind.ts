import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A deadline the clock acts on itself (a 公示期 ending, a transfer letter running out, an appeal window
 * closing) used to reach its clerks as "【逾期】…现已逾期，请尽快办理" although nobody was late and the system had
 * already moved the case on. Such a stage now raises a notice of its own kind, `lapsed` (期限届满).
 */
export class LapsedNoticeKind1796402000000 implements MigrationInterface {
  name = 'LapsedNoticeKind1796402000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
        CHECK (kind IN ('reminder','overdue','escalation','lapsed','urge','info'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
        CHECK (kind IN ('reminder','overdue','escalation','urge','info'));
    `);
  }
}
