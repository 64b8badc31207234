import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdNumberCipher } from '../common/id-number-cipher';

export interface DocumentMemberRow {
  id: string;
  name: string;
  gender: 'male' | 'female' | null;
  birthDate: string | null;
  idNumber: string;
  status: string;
}

/** Registry and history reads the printable documents need (names, the member's details, who signed). */
@Injectable()
export class DocumentsRepository {
  constructor(
    private readonly ds: DataSource,
    private readonly idNumbers: IdNumberCipher,
  ) {}

  /** A member's details for a letter, with the ID number opened (it is stored sealed). */
  async member(id: string): Promise<DocumentMemberRow | undefined> {
    const [row] = await this.ds.query(
      `SELECT id, name, gender, to_char(birth_date, 'YYYY-MM-DD') AS "birthDate", id_number AS "idNumber", status FROM members WHERE id = $1`,
      [id],
    );
    return row && { ...row, idNumber: this.idNumbers.open(row.idNumber) };
  }

  async memberNames(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows: { id: string; name: string }[] = await this.ds.query(
      `SELECT id, name FROM members WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  async orgNames(ids: (string | null | undefined)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((id): id is string => !!id))];
    if (!wanted.length) return new Map();
    const rows: { id: string; name: string }[] = await this.ds.query(
      `SELECT id, name FROM orgs WHERE id = ANY($1::uuid[])`,
      [wanted],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** The organization the actor of the case's latest event of one of `types` acted for (who signed it). */
  async lastActorOrg(caseId: string, types: string[]): Promise<string | null> {
    const [row] = await this.ds.query(
      `SELECT actor->>'orgId' AS "orgId" FROM case_history WHERE case_id = $1 AND type = ANY($2::text[]) ORDER BY seq DESC LIMIT 1`,
      [caseId, types],
    );
    return row?.orgId ?? null;
  }
}
