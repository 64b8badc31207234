import { ServiceUnavailableException } from '@nestjs/common';
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
  ])('maps PostgreSQL error %s to %i %s', (code, status, appCode) => {
    const out = answer(Object.assign(new Error('pg'), { code }));
    expect(out.status).toBe(status);
    expect(out.body.code).toBe(appCode);
    expect(out.body.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('answers an unknown failure with a Chinese 500 and no internals', () => {
    const out = answer(new TypeError('x is undefined'));
    expect(out).toEqual({ status: 500, body: { statusCode: 500, code: 'INTERNAL_ERROR', message: '服务器内部错误' } });
  });
});
