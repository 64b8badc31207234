import { MigrationInterface, QueryRunner } from 'typeorm';

/** The engine clock shared by api and worker processes, and the log of delivered timer stages. */
export class TimerDelivery1700000000050 implements MigrationInterface {
  name = 'TimerDelivery1700000000050';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- engine time = wall time + offset_ms; moved forward only (CLOCK_CONTROL=1 in tests and demos)
      CREATE TABLE engine_clock (
        id int PRIMARY KEY CHECK (id = 1),
        offset_ms bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO engine_clock (id, offset_ms) VALUES (1, 0);

      -- one row per delivered stage of a timer: the primary key makes a double delivery impossible
      CREATE TABLE timer_deliveries (
        timer_id uuid NOT NULL REFERENCES timers(id),
        stage int NOT NULL,
        kind text NOT NULL,
        level int NOT NULL,
        due_at timestamptz NOT NULL,
        fired_at timestamptz NOT NULL,
        -- wall-clock lateness (fired − due) in ms, measured against real time, not engine time
        late_ms int NOT NULL,
        outcome text NOT NULL,
        PRIMARY KEY (timer_id, stage)
      );
      CREATE INDEX timer_deliveries_fired_idx ON timer_deliveries (fired_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE timer_deliveries; DROP TABLE engine_clock;`);
  }
}
