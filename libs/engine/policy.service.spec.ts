import { PolicyStore } from '../policy/policy-store';
import { membershipTransferDefinition as def } from '../../workflows/membership-transfer';
import { PolicyService } from './policy.service';

const policy = (over: Record<string, unknown>) => ({
  title: '测试',
  region: '*',
  enabled: true,
  extends: null,
  workflows: {},
  ...over,
});

/** A new case's policy is kept for the Asia/Shanghai day it was chosen for, and for the store's contents. */
describe('PolicyService.forCase', () => {
  const objects = (newEnabled: boolean) => [
    policy({ id: 'cn', effectiveFrom: '2014-06-10' }),
    policy({ id: 'cn-new', effectiveFrom: '2026-01-01', extends: 'cn', enabled: newEnabled }),
  ];
  // the last instant of 2025-12-31 and the first of 2026-01-01 in Asia/Shanghai (UTC+8)
  const lastOld = new Date('2025-12-31T15:59:59.999Z');
  const firstNew = new Date('2025-12-31T16:00:00.000Z');

  it('answers by the day of each instant, whichever day was asked first', () => {
    const service = new PolicyService(PolicyStore.fromObjects(objects(true)));
    expect(service.forCase('440300', lastOld, def).id).toBe('cn');
    expect(service.forCase('440300', firstNew, def).id).toBe('cn-new');
    expect(service.forCase('440300', lastOld, def).id).toBe('cn');
    expect(service.forCase('440300', new Date('2026-01-01T15:59:59.999Z'), def).id).toBe('cn-new');
    expect(service.forCase('440300', new Date('2026-01-02T10:00:00Z'), def).id).toBe('cn-new');
    // the same object for the same day: resolved once
    expect(service.forCase('440300', firstNew, def)).toBe(
      service.forCase('440300', new Date('2026-01-01T09:00:00Z'), def),
    );
  });

  it('forgets its answers when the store is loaded again', () => {
    const store = PolicyStore.fromObjects(objects(true));
    const service = new PolicyService(store);
    expect(service.forCase('440300', firstNew, def).id).toBe('cn-new');
    store.loadObjects(objects(false).map((json, i) => ({ source: `policy[${i}]`, json })));
    expect(service.forCase('440300', firstNew, def).id).toBe('cn');
  });
});
