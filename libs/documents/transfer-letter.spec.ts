import { CjkFonts } from './cjk-font';
import { chineseDate, letterNumber } from './pdf-layout';
import { ageOn, partyStanding, validityDays } from './transfer-letter.pdf';

describe('transfer letter wording', () => {
  it('counts the validity in calendar days, both ends included', () => {
    expect(validityDays('2026-12-02', '2026-12-02')).toBe(1);
    expect(validityDays('2026-12-02', '2027-01-30')).toBe(60);
    expect(validityDays('2027-02-27', '2027-03-01')).toBe(3);
  });
  it('gives the age in whole years on the issue date', () => {
    expect(ageOn('1985-06-12', '2026-06-11')).toBe(40);
    expect(ageOn('1985-06-12', '2026-06-12')).toBe(41);
  });
  it('words the number, the date and the standing as the national form does', () => {
    expect(letterNumber('17')).toBe('第 17 号');
    expect(letterNumber('赣律党转〔2026〕17号')).toBe('赣律党转〔2026〕17号');
    expect(chineseDate('2027-03-01')).toBe('2027年3月1日');
    expect(partyStanding('probationary')).toBe('预备');
    expect(partyStanding('full')).toBe('正式');
  });
  it('refuses with a 503 and a stable code when the CJK fonts are not installed', () => {
    expect(() => new CjkFonts(['/nonexistent']).load()).toThrow(
      expect.objectContaining({ status: 503, code: 'PDF_FONT_UNAVAILABLE' }),
    );
  });
});
