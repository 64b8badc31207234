import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { AppError, ErrorCode } from './app-error';
import { isTransientDbError } from './db-errors';
import { MAX_JSON_DEPTH } from './json-body';

const STATUS_CODES: Partial<Record<number, [ErrorCode, string]>> = {
  400: ['VALIDATION_FAILED', '请求无效'],
  401: ['UNAUTHORIZED', '未登录或登录已失效'],
  403: ['FORBIDDEN', '无权执行此操作'],
  404: ['NOT_FOUND', '资源不存在或无权查看'],
  409: ['DUPLICATE', '数据冲突'],
  413: ['PAYLOAD_TOO_LARGE', '请求体过大'],
  429: ['TOO_MANY_ATTEMPTS', '请求过于频繁，请稍后再试'],
  422: ['RULE_VIOLATION', '请求无法处理'],
  503: ['DEPENDENCY_UNAVAILABLE', '依赖服务暂不可用'],
};

const INPUT_OUT_OF_RANGE = () =>
  AppError.validation(
    [{ field: 'unknown', errors: ['数据格式或取值超出允许范围（如空字符、无效日期或时区、过长文本、数值溢出）'] }],
    '输入数据格式不正确',
  );

/**
 * PostgreSQL errors by SQLSTATE class: those input can cause (a value slipping past validation) are 4xx,
 * a dependency down or overloaded is 503; anything else (syntax, missing column: a bug) stays 500.
 */
function fromDatabaseError(err: any): AppError | null {
  const code: string | undefined = err?.code ?? err?.driverError?.code;
  // the database is down, restarting or unreachable (the driver's socket errors carry no SQLSTATE)
  if (code !== '40P01' && code !== '40001' && isTransientDbError(err?.driverError ?? err))
    return new AppError(HttpStatus.SERVICE_UNAVAILABLE, 'DEPENDENCY_UNAVAILABLE', '数据库暂不可用，请稍后重试');
  if (typeof code !== 'string') return null;
  const cls = code.slice(0, 2);
  // class 22, data exception: NUL characters, bad encoding, numbers, dates or time-zone offsets out of
  // range, malformed values, invalid regular expressions …
  if (cls === '22') return INPUT_OUT_OF_RANGE();
  // two writers crossed (deadlock, serialization): nothing was applied, the client may retry
  if (cls === '40') return new AppError(HttpStatus.CONFLICT, 'CONCURRENT_UPDATE', '并发操作冲突，未作更改，请重试');
  if (code === '23505' || code === '23P01')
    return new AppError(HttpStatus.CONFLICT, 'DUPLICATE', '数据重复', {
      constraint: err.constraint ?? err.driverError?.constraint,
    });
  if (code === '23503')
    return AppError.validation([{ field: 'reference', errors: ['引用的对象不存在'] }], '引用的对象不存在');
  // not-null and check constraints: a value the schema refuses
  if (cls === '23') return INPUT_OUT_OF_RANGE();
  // program limit exceeded: a value too large for an index entry, a statement too complex
  if (cls === '54') return new AppError(413 as HttpStatus, 'PAYLOAD_TOO_LARGE', '输入过长或过于复杂');
  // statement_timeout (DB_STATEMENT_TIMEOUT_MS), or cancelled because the client went away: the database is
  // fine, this request asked too much of it — a distinct code, so clients narrow the filter instead of retrying
  if (code === '57014')
    return new AppError(
      HttpStatus.SERVICE_UNAVAILABLE,
      'QUERY_TIMEOUT',
      /user request/.test(String(err?.message))
        ? '查询已取消'
        : '查询超时：请缩小筛选范围（如限定起止时间、流程或组织）后重试',
    );
  if (
    cls === '08' ||
    cls === '53' ||
    cls === '57' ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    code === 'EPIPE'
  )
    return new AppError(HttpStatus.SERVICE_UNAVAILABLE, 'DEPENDENCY_UNAVAILABLE', '数据库暂不可用');
  return null;
}

/**
 * Errors of the HTTP layer before any controller (body-parser, raw-body, zlib, URI decoding): they carry a
 * 4xx `status` and `expose`, but no Nest type. A body whose Content-Encoding lies used to end up as 500.
 */
function fromHttpLayerError(e: any): AppError | null {
  const status = e?.status ?? e?.statusCode;
  if (!Number.isInteger(status) || status < 400 || status > 499 || !(e.expose || e.type)) return null;
  if (e.type === 'entity.too.deep')
    return new AppError(400, 'VALIDATION_FAILED', `请求体嵌套层级过深（最多 ${MAX_JSON_DEPTH} 层）`);
  if (status === 400)
    return new AppError(400, 'MALFORMED_JSON', '请求体无法解码或不是合法的 JSON（请检查 Content-Encoding）');
  if (status === 415) return new AppError(415 as HttpStatus, 'VALIDATION_FAILED', '不支持的请求编码或内容类型');
  const [code, message] = STATUS_CODES[status] ?? ['VALIDATION_FAILED', '请求无效'];
  return new AppError(status, code, message);
}

/** Every error leaves as `{ statusCode, code, message, details? }`; only real bugs are 500. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost) {
    const res = host.switchToHttp().getResponse<Response>();
    const err = this.toAppError(exception);
    if (err.status >= 500 && err.code === 'INTERNAL_ERROR')
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    for (const [name, value] of Object.entries(err.headers ?? {})) res.setHeader(name, value);
    res.status(err.status).json({
      statusCode: err.status,
      code: err.code,
      message: err.message,
      ...(err.details !== undefined ? { details: err.details } : {}),
    });
  }

  private toAppError(e: any): AppError {
    if (e instanceof AppError) return e;
    // body-parser errors reach Nest as plain errors with a `type` and a status
    if (e?.type === 'entity.parse.failed') return new AppError(400, 'MALFORMED_JSON', '请求体不是合法的 JSON');
    if (e?.type === 'entity.too.large') return new AppError(413, 'PAYLOAD_TOO_LARGE', '请求体过大');
    if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
      return new AppError(415 as HttpStatus, 'VALIDATION_FAILED', '不支持的请求编码');
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const body = e.getResponse() as any;
      if (body && typeof body === 'object' && body.code)
        return new AppError(status, body.code, body.message, body.details);
      // a failed health check (terminus): say which dependency is down and keep its per-dependency report
      if (status === 503 && body?.status === 'error' && body?.details && typeof body.details === 'object') {
        const down = Object.keys(body.error ?? {}).join('、');
        return new AppError(status, 'DEPENDENCY_UNAVAILABLE', `依赖服务不可用：${down || '未知'}`, body);
      }
      // Nest turns body-parser's JSON SyntaxError into a plain BadRequestException carrying the parser message
      if (status === 400 && typeof body?.message === 'string' && /JSON/.test(body.message))
        return new AppError(400, 'MALFORMED_JSON', '请求体不是合法的 JSON', { reason: body.message });
      const [code, message] = STATUS_CODES[status] ?? ['INTERNAL_ERROR', '服务器内部错误'];
      return new AppError(
        status,
        code,
        message,
        status === 400 && body?.message ? { reason: body.message } : undefined,
      );
    }
    return (
      fromHttpLayerError(e) ??
      fromDatabaseError(e) ??
      new AppError(HttpStatus.INTERNAL_SERVER_ERROR, 'INTERNAL_ERROR', '服务器内部错误')
    );
  }
}
