import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change of a user or of a user's roles is announced on the channel `pf_user_changed` (payload: the
 * user's id), by trigger — whatever writes it: the API, the demo seeder, an operator with psql. Each API
 * process keeps the principals it has verified in memory and forgets one when its id is announced, so a
 * disabled user, a changed role or a reset password takes effect at once in every process.
 */
export class UserChangeNotify1796215983547 implements MigrationInterface {
  name = 'UserChangeNotify1796215983547';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION pf_notify_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'users' THEN
          PERFORM pg_notify('pf_user_changed', coalesce(NEW.id, OLD.id)::text);
        ELSE
          PERFORM pg_notify('pf_user_changed', coalesce(NEW.user_id, OLD.user_id)::text);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(
      `CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION pf_notify_user_changed()`,
    );
    await q.query(
      `CREATE TRIGGER role_assignments_changed AFTER INSERT OR UPDATE OR DELETE ON role_assignments FOR EACH ROW EXECUTE FUNCTION pf_notify_user_changed()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER role_assignments_changed ON role_assignments`);
    await q.query(`DROP TRIGGER users_changed ON users`);
    await q.query(`DROP FUNCTION pf_notify_user_changed()`);
  }
}
