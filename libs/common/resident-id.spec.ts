import { residentIdBirthDate, residentIdCheckChar, residentIdProblem } from './resident-id';

const withCheck = (first17: string) => first17 + residentIdCheckChar(first17);

describe('resident ID numbers (GB 11643)', () => {
  it('accepts the standard example and computes its check character', () => {
    // GB 11643-1999 appendix example
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    expect(residentIdProblem('11010519491231002X', '1949-12-31')).toBeNull();
    expect(residentIdProblem('11010519491231002x')).toBeNull();
  });

  it('refuses a wrong check character, a date that does not exist, and a bad shape', () => {
    expect(residentIdProblem('110105194912310021')).toMatch(/校验码/);
    expect(residentIdProblem(withCheck('36070219900230123'))).toMatch(/不存在/); // 30 February
    expect(residentIdProblem(withCheck('36070218991231123'))).toMatch(/不存在/); // before 1900
    expect(residentIdProblem('3607021990')).toMatch(/18 位/);
    expect(residentIdBirthDate(withCheck('36070220000229123'))).toBe('2000-02-29');
    expect(residentIdBirthDate(withCheck('36070219000229123'))).toBeNull(); // 1900 is no leap year
  });

  it('refuses a birth date that disagrees with the number', () => {
    const id = withCheck('36070219900501123');
    expect(residentIdProblem(id, '1990-05-01')).toBeNull();
    expect(residentIdProblem(id, '1990-05-02')).toMatch(/不一致/);
  });
});
