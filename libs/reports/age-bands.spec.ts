import { AGE_BANDS, ageBandOf } from './age-bands';

describe('recruitment age bands (Hunan: favour young core lawyers)', () => {
  it.each([
    [18, 'under_35'],
    [34, 'under_35'],
    [35, '35_to_44'],
    [44, '35_to_44'],
    [45, '45_and_over'],
    [80, '45_and_over'],
  ])('age %i → %s', (age, band) => {
    expect(ageBandOf(age)).toBe(band);
  });
  it('the bands cover every age once, young first', () => {
    expect(AGE_BANDS.map((b) => b.key)).toEqual(['under_35', '35_to_44', '45_and_over']);
    for (let i = 1; i < AGE_BANDS.length; i++) expect(AGE_BANDS[i].from).toBe(AGE_BANDS[i - 1].to);
  });
});
