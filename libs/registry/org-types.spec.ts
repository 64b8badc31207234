import { buildDemoRegion } from '../demo/demo-region';
import { childOrgProblem, regionWithin } from './registry.types';

describe('which organizations may be created under which', () => {
  it('accepts every parent–child pair of the demo tree', () => {
    const region = buildDemoRegion();
    const byId = new Map(region.orgs.map((o) => [o.id, o]));
    const problems = region.orgs
      .filter((o) => o.parentId)
      .map((o) => ({ org: o.name, problem: childOrgProblem(byId.get(o.parentId!)!, o) }))
      .filter((p) => p.problem);
    expect(problems).toEqual([]);
  });

  it('refuses committees under themselves or below, branches under branches, and foreign regions', () => {
    const city = { type: 'city_committee', regionCode: '360700' };
    const county = { type: 'county_committee', regionCode: '360702' };
    const branch = { type: 'branch', regionCode: '360702' };
    expect(childOrgProblem(county, { type: 'county_committee', regionCode: '360702' })).toMatch(/不能设立/);
    expect(childOrgProblem(county, { type: 'city_committee', regionCode: '360700' })).toMatch(/不能设立/);
    expect(childOrgProblem(city, { type: 'city_committee', regionCode: '360700' })).toMatch(/不能设立/);
    expect(childOrgProblem(branch, { type: 'branch', regionCode: '360702' })).toMatch(/不能设立/);
    expect(childOrgProblem(city, { type: 'county_committee', regionCode: '360102' })).toMatch(/区域/);
    expect(childOrgProblem(city, { type: 'county_committee', regionCode: '360700' })).toMatch(/县级/);
    expect(childOrgProblem(city, { type: 'county_committee', regionCode: '360703' })).toBeNull();
    expect(childOrgProblem(county, { type: 'branch', regionCode: '360702' })).toBeNull();
    expect(regionWithin('360000', '360702')).toBe(true);
    expect(regionWithin('360702', '360703')).toBe(false);
  });
});
