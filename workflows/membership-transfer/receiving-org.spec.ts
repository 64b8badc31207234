import { receivingOrgFor } from './receiving-org';

const ORG = '00000000-0000-4000-8000-000000000042';

describe('the receiving organization of a licensing transfer', () => {
  it.each([
    [
      { coverage: 'branch', partyOrgId: ORG },
      { kind: 'firm_org', orgId: ORG },
    ],
    [
      { coverage: 'joint_branch', partyOrgId: ORG },
      { kind: 'firm_org', orgId: ORG },
    ],
    // the city committee holds the relationship while the firm has no organization of its own or joint
    [{ coverage: 'instructor', partyOrgId: null }, { kind: 'city' }],
    [{ coverage: 'none', partyOrgId: null }, { kind: 'city' }],
    // a coverage the registry claims without an organization to receive is no organization
    [{ coverage: 'branch', partyOrgId: null }, { kind: 'city' }],
  ])('%j → %j', (firm, expected) => {
    expect(receivingOrgFor(firm)).toEqual(expected);
  });
});
