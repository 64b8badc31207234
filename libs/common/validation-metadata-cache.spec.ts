import 'reflect-metadata';
import { getMetadataStorage, IsInt, IsString, validateSync } from 'class-validator';
import { cacheValidationMetadata } from './validation-metadata-cache';

const fields = (o: object, groups?: string[]) =>
  validateSync(o, groups ? { groups } : {})
    .map((e) => e.property)
    .sort();

describe('cacheValidationMetadata', () => {
  class Base {
    @IsString() name: unknown;
    @IsInt({ groups: ['strict'] }) level: unknown;
  }
  beforeAll(() => cacheValidationMetadata());

  it('answers a lookup from memory, and validation still refuses what it refused before', () => {
    const storage = getMetadataStorage();
    const first = storage.getTargetValidationMetadatas(Base, '', false, false);
    expect(storage.getTargetValidationMetadatas(Base, '', false, false)).toBe(first);
    expect(fields(Object.assign(new Base(), { name: 1, level: 2 }))).toEqual(['name']);
    expect(fields(Object.assign(new Base(), { name: 'ok', level: 2 }))).toEqual([]);
  });

  it('keeps each set of groups apart (class-validator: without groups every rule applies, with groups only theirs)', () => {
    const bad = Object.assign(new Base(), { name: 1, level: 'x' });
    expect(fields(bad)).toEqual(['level', 'name']);
    expect(fields(bad, ['strict'])).toEqual(['level']);
    expect(fields(bad, ['other'])).toEqual([]);
    expect(fields(bad)).toEqual(['level', 'name']);
  });

  it('a class defined after the base was validated inherits the base’s rules, and has its own', () => {
    fields(Object.assign(new Base(), { name: 'ok' }));
    class Later extends Base {
      @IsInt() count: unknown;
    }
    expect(fields(Object.assign(new Later(), { name: 2, level: 1, count: 'many' }))).toEqual(['count', 'name']);
  });

  it('installs once: a second call does not wrap the wrapper', () => {
    const wrapped = getMetadataStorage().getTargetValidationMetadatas;
    cacheValidationMetadata();
    expect(getMetadataStorage().getTargetValidationMetadatas).toBe(wrapped);
  });
});
