import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isAdmin, Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { residentIdProblem } from '../common/resident-id';
import { isUuid } from '../common/uuid';
import { maskPersonalData } from './id-number';
import { CreateFirmDto, CreateMemberDto, CreateOrgDto, MemberQueryDto, MemberRosterQueryDto } from './dto';
import { renderRoster, ROSTER_MAX_ROWS, ROSTER_TITLE } from './member-roster';
import { FirmsRepository } from './firms.repository';
import { MembersRepository } from './members.repository';
import { OrganizationsRepository } from './organizations.repository';
import { inScope, scopePrefixes } from './scope';
import { childOrgProblem, ONE_PER_REGION_TYPES } from './registry.types';

/**
 * Organizations (a tree with materialized paths), firms and members, always filtered to the caller's
 * scope: outside it things look as if they did not exist (404, never 403).
 */

/** Titles of the party disciplines the registry keeps (see member_party_disciplines). */
const PARTY_DISCIPLINE_TITLES: Record<string, string> = { party_probation: '留党察看' };

@Injectable()
export class RegistryService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly orgs: OrganizationsRepository,
    private readonly firmRows: FirmsRepository,
    private readonly memberRows: MembersRepository,
  ) {}

  private prefixes(principal: Principal) {
    return scopePrefixes(this.orgs, principal);
  }

  async orgTree(principal: Principal) {
    const rows: any[] = await this.orgs.inSubtrees(await this.prefixes(principal));
    const byId = new Map(rows.map((r) => [r.id, { ...r, children: [] as any[] }]));
    const roots: any[] = [];
    for (const node of byId.values()) {
      const parent = node.parentId && byId.get(node.parentId);
      if (parent) parent.children.push(node);
      else roots.push(node);
      delete node.path;
    }
    return roots;
  }

  async org(principal: Principal, id: string) {
    const row: any = await this.visible(principal, id, (x) => this.orgs.findById(x));
    if (!row) throw AppError.notFound('党组织');
    const counts = await this.memberRows.countsOfOrg(id);
    delete row.path;
    return { ...row, memberCounts: counts };
  }

  async createOrg(principal: Principal, dto: CreateOrgDto) {
    const parent = await this.visible(principal, dto.parentId, (x) => this.orgs.findById(x));
    if (!parent) throw AppError.validation([{ field: 'parentId', errors: ['上级组织不存在'] }]);
    this.requireClerkOf(principal, parent.path);
    const regionCode = dto.regionCode ?? parent.regionCode;
    const problem = childOrgProblem(parent, { type: dto.type, regionCode });
    if (problem) throw AppError.validation([{ field: 'type', errors: [problem] }], problem);
    if (ONE_PER_REGION_TYPES.includes(dto.type) && (await this.orgs.findOfTypeInRegion(dto.type, regionCode)))
      // orgs_one_committee_per_region_idx is the guarantee; this read only gives the friendly answer
      throw new AppError(409, 'DUPLICATE', '该行政区划已有同级党委（组织部），不能重复设立');
    return this.ds.transaction(async (em) => {
      const id = await this.orgs.insertChild(
        em,
        {
          name: dto.name,
          type: dto.type,
          regionCode,
          county: dto.county ?? parent.county,
        },
        parent,
      );
      const org: any = await this.orgs.findById(id, em);
      delete org.path;
      return org;
    });
  }

  async firms(principal: Principal, q: { county?: string; coverage?: string }) {
    return this.firmRows.inScope(await this.prefixes(principal), q);
  }

  async firm(principal: Principal, id: string) {
    if (!isUuid(id)) throw AppError.notFound('律师事务所');
    const row = await this.firmRows.findInScope(await this.prefixes(principal), id);
    if (!row) throw AppError.notFound('律师事务所');
    return row;
  }

  async createFirm(principal: Principal, dto: CreateFirmDto) {
    const anchor =
      (await this.orgs.countyCommitteeOf({ regionCode: dto.regionCode, county: dto.county })) ??
      (await this.orgs.cityCommitteeOf(dto.regionCode));
    if (!anchor) throw AppError.validation([{ field: 'regionCode', errors: ['该行政区划没有对应的党组织'] }]);
    this.requireClerkOf(principal, anchor.path);
    if (dto.headFirmId)
      await this.firm(principal, dto.headFirmId).catch(() => {
        throw AppError.validation([{ field: 'headFirmId', errors: ['总所不存在'] }]);
      });
    const id = await this.firmRows.insert(dto);
    return this.firm(principal, id);
  }

  async members(principal: Principal, q: MemberQueryDto) {
    const pageSize = q.pageSize ?? 50;
    if (q.duplicates === 'true' && !isAdmin(principal)) throw AppError.forbidden('只有管理员可以查看重复登记');
    const { rows, total } = await this.memberRows.page(await this.prefixes(principal), { ...q, pageSize });
    return { items: rows.map((r: any) => this.presentMember(principal, r)), total, page: q.page ?? 1, pageSize };
  }

  /**
   * The roster (党员名册) of the members the list would show for this filter, all of them, as an xlsx workbook;
   * masked as the list masks them, dated `day` (YYYY-MM-DD, Beijing). More than ROSTER_MAX_ROWS: refused (422),
   * the filter is to be narrowed.
   */
  async memberRoster(principal: Principal, q: MemberRosterQueryDto, day: string) {
    // the filter's organization names the roster (not found outside the scope); without one, the whole scope
    const org = q.orgId ? await this.visible(principal, q.orgId, (x) => this.orgs.findById(x)) : undefined;
    if (org === null) throw AppError.notFound('党组织');
    const scope = org?.name ?? '管辖范围内全部党员';
    const prefixes = await this.prefixes(principal);
    const { rows, total } = await this.memberRows.page(prefixes, { ...q, page: 1, pageSize: ROSTER_MAX_ROWS });
    if (total > ROSTER_MAX_ROWS)
      throw AppError.rule(`符合条件的党员有 ${total} 名，超过单次导出上限 ${ROSTER_MAX_ROWS} 名，请按党组织分别导出`);
    const members = rows.map((r: any) => this.presentMember(principal, r));
    const [orgs, firms] = await Promise.all([
      this.orgs.findByIds([...new Set(members.map((m: any) => m.orgId as string))]),
      this.firmRows.names([...new Set(members.flatMap((m: any) => (m.firmId ? [m.firmId as string] : [])))]),
    ]);
    const orgNames = new Map(orgs.map((o) => [o.id, o.name]));
    const content = await renderRoster(
      members,
      { orgs: orgNames, firms: new Map(firms.map((f) => [f.id, f.name])) },
      { scope, day, masked: !isAdmin(principal) },
    );
    return { fileName: `${ROSTER_TITLE}_${scope}_${day.replaceAll('-', '')}.xlsx`, content };
  }

  /** One member, with the party discipline in force on them (留党察看), if any. */
  async member(principal: Principal, id: string) {
    const row = await this.visible(principal, id, (x) => this.memberRows.findWithPath(x));
    if (!row) throw AppError.notFound('党员');
    delete row.path;
    const discipline = await this.memberRows.partyDisciplineInForce(id);
    return {
      ...this.presentMember(principal, row),
      partyDiscipline: discipline
        ? { ...discipline, title: PARTY_DISCIPLINE_TITLES[discipline.kind] ?? discipline.kind }
        : null,
    };
  }

  async createMember(principal: Principal, dto: CreateMemberDto) {
    const org = await this.visible(principal, dto.orgId, (x) => this.orgs.findById(x));
    if (!org) throw AppError.validation([{ field: 'orgId', errors: ['党组织不存在'] }]);
    this.requireClerkOf(principal, org.path);
    // the firm, like the organization, must be one the clerk can see: else a clerk could attach members
    // to any firm in the province (and learn from the answer that it exists)
    if (dto.firmId && !(await this.firmRows.findInScope(await this.prefixes(principal), dto.firmId.toLowerCase())))
      throw AppError.validation([{ field: 'firmId', errors: ['律师事务所不存在'] }]);
    // a real resident ID number whose birth date is the one registered (the age rules read the registry)
    const idProblem = residentIdProblem(dto.idNumber, dto.birthDate);
    if (idProblem) throw AppError.validation([{ field: 'idNumber', errors: [idProblem] }], idProblem);
    const dups = await this.memberRows.findDuplicates(dto.idNumber, dto.licenseNo ?? null);
    // A person registered outside the clerk's scope must not be revealed by the answer (a 409 would tell
    // that the ID number exists somewhere in the province): the registration goes in as a duplicate record
    // of the existing member, for an administrator to reconcile (GET /members?duplicates=true).
    const prefixes = await this.prefixes(principal);
    const seen = dups.find((d) => inScope(d.path, prefixes));
    if (seen)
      throw new AppError(409, 'DUPLICATE', '该身份证号或执业证号已登记', {
        memberId: isAdmin(principal) ? seen.id : undefined,
      });
    const id = await this.memberRows.insert({ ...dto, duplicateOf: dups[0]?.duplicateOf ?? dups[0]?.id ?? null });
    return this.member(principal, id);
  }

  /**
   * ID numbers are shown masked except to admins (they are stored sealed, opened by the repository), and with them the birth date and gender
   * the number encodes (else the mask hides nothing); only admins learn of duplicates.
   */
  private presentMember(principal: Principal, row: any) {
    const { total, duplicateOf, ...rest } = row;
    void total;
    if (isAdmin(principal)) return { ...rest, duplicateOf: duplicateOf ?? null };
    return maskPersonalData(rest);
  }

  /** The row `find` returns for `id`, if its path lies in the principal's scope (else null, as if absent). */
  private async visible<T extends { path: string }>(
    principal: Principal,
    id: string,
    find: (id: string) => Promise<T | undefined>,
  ): Promise<T | null> {
    if (!isUuid(id)) return null;
    const row = await find(id);
    return row && inScope(row.path, await this.prefixes(principal)) ? row : null;
  }

  /** Writes to the registry need a clerk (or admin) role at or above the target org. */
  private requireClerkOf(principal: Principal, path: string) {
    if (isAdmin(principal)) return;
    if (!principal.roles.some((r) => r.role === 'clerk' && path.includes(`/${r.orgId}/`)))
      throw AppError.forbidden('只有该组织或上级组织的管理员可以登记');
  }
}
