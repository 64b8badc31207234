import { alreadyReceived, receivingOrgFor } from './receiving-org';

const ORG = '00000000-0000-4000-8000-000000000042';

describe('no transfer when the relationship is already there', () => {
  const CITY = '00000000-0000-4000-8000-0000000000c1';
  const BRANCH = '00000000-0000-4000-8000-0000000000b1';
  const inBranch = { orgId: BRANCH, path: `/p/${CITY}/${BRANCH}/` };
  it('below the firm’s organization is there; below the city committee is not (every member is)', () => {
    expect(alreadyReceived({ kind: 'firm_org', orgId: BRANCH, id: BRANCH }, inBranch)).toBe(true);
    expect(alreadyReceived({ kind: 'city', id: CITY }, inBranch)).toBe(false);
    expect(alreadyReceived({ kind: 'city', id: CITY }, { orgId: CITY, path: `/p/${CITY}/` })).toBe(true);
  });
});

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
