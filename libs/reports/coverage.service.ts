import { Injectable } from '@nestjs/common';
import { isAdmin, Principal } from '../auth/principal';
import { Clock } from '../engine/clock';
import { FirmsRepository } from '../registry/firms.repository';
import { OrganizationsRepository } from '../registry/organizations.repository';
import { scopePrefixes } from '../registry/scope';

export interface CoverageCounts {
  /** active firms (and branch offices) in the area */
  firms: number;
  /** 单独建立党组织 */
  branch: number;
  /** 纳入联合党支部 */
  jointBranch: number;
  /** 仅选派党建工作指导员 */
  instructor: number;
  /** 党的组织和党的工作均未覆盖 */
  none: number;
  /** firms with a party organization of their own or a joint branch (党的组织覆盖) */
  orgCovered: number;
  orgCoveragePct: number;
  /** firms reached by party organization or party work (组织 + 指导员): the stage-one "有没有" goal is 100 % */
  covered: number;
  coveragePct: number;
  /** firms under establishment review (not counted above) */
  underReview: number;
}

export interface UncoveredFirm {
  firmId: string;
  name: string;
  kind: string;
  county: string;
  regionCode: string;
  uncoveredSince: string | null;
  daysUncovered: number | null;
  /** an open branch-formation case working on it, if any */
  formationCaseId: string | null;
}

const pct = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 10 : 100);

/**
 * Coverage report (覆盖情况): per city and county, firms with an independent branch / joint branch /
 * instructor only / nothing, the percentages covered (Ganzhou's stage-one goal: full coverage), and the
 * uncovered firms with how long they have been uncovered (by engine time). Filtered to the caller's scope.
 */
@Injectable()
export class CoverageService {
  constructor(
    private readonly orgs: OrganizationsRepository,
    private readonly firmRows: FirmsRepository,
    private readonly clock: Clock,
  ) {}

  async report(principal: Principal) {
    const now = this.clock.now();
    const prefixes = await this.prefixes(principal);
    const firms = await this.firmRows.forCoverage(prefixes);

    const empty = (): CoverageCounts => ({
      firms: 0,
      branch: 0,
      jointBranch: 0,
      instructor: 0,
      none: 0,
      orgCovered: 0,
      orgCoveragePct: 100,
      covered: 0,
      coveragePct: 100,
      underReview: 0,
    });
    const add = (c: CoverageCounts, f: any) => {
      if (f.status === 'pending') {
        c.underReview++;
        return;
      }
      c.firms++;
      if (f.coverage === 'branch') c.branch++;
      else if (f.coverage === 'joint_branch') c.jointBranch++;
      else if (f.coverage === 'instructor') c.instructor++;
      else c.none++;
    };
    const finish = (c: CoverageCounts) => {
      c.orgCovered = c.branch + c.jointBranch;
      c.covered = c.orgCovered + c.instructor;
      c.orgCoveragePct = pct(c.orgCovered, c.firms);
      c.coveragePct = pct(c.covered, c.firms);
      return c;
    };

    const cities = new Map<
      string,
      {
        regionCode: string;
        name: string;
        totals: CoverageCounts;
        counties: Map<string, { county: string; regionCode: string; totals: CoverageCounts }>;
      }
    >();
    const total = empty();
    for (const f of firms) {
      let city = cities.get(f.cityCode);
      if (!city)
        cities.set(
          f.cityCode,
          (city = { regionCode: f.cityCode, name: f.cityName ?? f.cityCode, totals: empty(), counties: new Map() }),
        );
      let county = city.counties.get(f.regionCode);
      if (!county)
        city.counties.set(f.regionCode, (county = { county: f.county, regionCode: f.regionCode, totals: empty() }));
      add(total, f);
      add(city.totals, f);
      add(county.totals, f);
    }

    const uncovered: UncoveredFirm[] = firms
      .filter((f) => f.status === 'active' && f.coverage === 'none')
      .map((f) => {
        const since = f.uncoveredSince ? new Date(f.uncoveredSince) : null;
        return {
          firmId: f.id,
          name: f.name,
          kind: f.kind,
          county: f.county,
          regionCode: f.regionCode,
          uncoveredSince: since ? since.toISOString() : null,
          daysUncovered: since ? Math.max(0, Math.floor((now.getTime() - since.getTime()) / 86_400_000)) : null,
          formationCaseId: f.formationCaseId ?? null,
        };
      })
      .sort((a, b) => (b.daysUncovered ?? 0) - (a.daysUncovered ?? 0));

    finish(total);
    return {
      generatedAt: now.toISOString(),
      goal: {
        description: '第一阶段目标：律师行业党的组织和党的工作全覆盖（“有没有”）',
        coveragePct: 100,
        met: total.coveragePct >= 100,
      },
      totals: total,
      cities: [...cities.values()].map((c) => ({
        regionCode: c.regionCode,
        name: c.name,
        ...finish(c.totals),
        counties: [...c.counties.values()].map((k) => ({
          county: k.county,
          regionCode: k.regionCode,
          ...finish(k.totals),
        })),
      })),
      uncovered,
    };
  }

  /**
   * Subtree prefixes of the caller (admins and the provincial supervisor: everything; city clerk: the city;
   * county clerk: the county). The organization department sees the city committee of its own region.
   */
  private async prefixes(principal: Principal): Promise<string[]> {
    if (isAdmin(principal)) return ['%'];
    const prefixes = await scopePrefixes(this.orgs, principal);
    const orgdept = principal.roles.filter((r) => r.role === 'orgdept').map((r) => r.orgId);
    if (orgdept.length)
      prefixes.push(...(await this.orgs.cityCommitteePathsOfDepartments(orgdept)).map((path) => `${path}%`));
    return prefixes;
  }
}
