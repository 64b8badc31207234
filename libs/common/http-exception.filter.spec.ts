import { ServiceUnavailableException } from '@nestjs/common';
import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { AllExceptionsFilter } from './http-exception.filter';

/** Runs the filter on an exception and returns what the client would receive. */
function answer(exception: unknown) {
  const sent: { status?: number; body?: any } = {};
  const res = { status: (s: number) => ((sent.status = s), res), json: (b: unknown) => ((sent.body = b), res) };
  const host = { switchToHttp: () => ({ getResponse: () => res }) } as any;
  new AllExceptionsFilter().catch(exception, host);
  return sent;
}

describe('AllExceptionsFilter', () => {
  it('names the dependency a failed health check found down, keeping the report', () => {
    const report = {
      status: 'error',
      info: { postgres: { status: 'up' } },
      error: { redis: { status: 'down', message: 'timeout' } },
      details: { postgres: { status: 'up' }, redis: { status: 'down' } },
    };
    const { status, body } = answer(new ServiceUnavailableException(report));
    expect(status).toBe(503);
    expect(body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', message: '依赖服务不可用：redis', details: report });
  });

  it.each([
    ['22021', 400, 'VALIDATION_FAILED'],
    ['22P05', 400, 'VALIDATION_FAILED'],
    ['40P01', 409, 'CONCURRENT_UPDATE'],
    ['23505', 409, 'DUPLICATE'],
    ['22009', 400, 'VALIDATION_FAILED'], // time zone displacement out of range
    ['2201B', 400, 'VALIDATION_FAILED'], // invalid regular expression
    ['22012', 400, 'VALIDATION_FAILED'], // division by zero
    ['23502', 400, 'VALIDATION_FAILED'], // not null
    ['23514', 400, 'VALIDATION_FAILED'], // check constraint
    ['54000', 413, 'PAYLOAD_TOO_LARGE'], // index row too large
    ['57014', 503, 'QUERY_TIMEOUT'], // statement timeout
    ['53300', 503, 'DEPENDENCY_UNAVAILABLE'], // too many connections
    ['40001', 409, 'CONCURRENT_UPDATE'],
  ])('maps PostgreSQL error %s to %i %s', (code, status, appCode) => {
    const out = answer(Object.assign(new Error('pg'), { code }));
    expect(out.status).toBe(status);
    expect(out.body.code).toBe(appCode);
    expect(out.body.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('answers a transaction whose connection PostgreSQL dropped (TypeORM released its query runner) with 503', () => {
    // seen in the fault suite: PostgreSQL stopped between two statements of an event's transaction
    for (const e of [new QueryRunnerProviderAlreadyReleasedError(), new QueryRunnerAlreadyReleasedError()]) {
      const { status, body } = answer(e);
      expect(status).toBe(503);
      expect(body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
    }
  });

  it('keeps a bug in SQL a 500', () => {
    expect(answer(Object.assign(new Error('column x does not exist'), { code: '42703' })).status).toBe(500);
  });

  it('answers errors of the HTTP layer (a lying Content-Encoding, a too deep body) with their 4xx', () => {
    const zlib = Object.assign(new Error('incorrect header check'), {
      code: 'Z_DATA_ERROR',
      status: 400,
      expose: true,
    });
    expect(answer(zlib)).toMatchObject({ status: 400, body: { code: 'MALFORMED_JSON' } });
    const deep = Object.assign(new Error('deep'), { status: 400, expose: true, type: 'entity.too.deep' });
    expect(answer(deep)).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const unsupported = Object.assign(new Error('x'), { status: 415, expose: true, type: 'encoding.unsupported' });
    expect(answer(unsupported).status).toBe(415);
  });

  it('answers an unknown failure with a Chinese 500 and no internals', () => {
    const out = answer(new TypeError('x is undefined'));
    expect(out).toEqual({ status: 500, body: { statusCode: 500, code: 'INTERNAL_ERROR', message: '服务器内部错误' } });
  });
});
