import { INestApplication } from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { AuthService } from '../auth/auth.service';
import { isAdmin } from '../auth/principal';
import { OUTBOX_QUEUE, TIMERS_QUEUE } from '../queue/queue.module';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board for admins at /admin/queues. A browser cannot send a Bearer header on navigation, so the
 * token may also come as `?token=` once; it is then kept in an HttpOnly cookie scoped to the board.
 */
export function mountBullBoard(app: INestApplication): void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: [
      new BullMQAdapter(app.get<Queue>(TIMERS_QUEUE), { readOnlyMode: false }),
      new BullMQAdapter(app.get<Queue>(OUTBOX_QUEUE)),
    ],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'PartyFlow 队列' } },
  });
  const auth = app.get(AuthService);
  const guard = async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    const fromQuery = typeof req.query.token === 'string' ? req.query.token : undefined;
    const fromCookie = /(?:^|;\s*)pf_board=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const token = header?.startsWith('Bearer ') ? header.slice(7) : (fromQuery ?? fromCookie);
    const principal = token ? await auth.verify(token) : null;
    if (!principal)
      return res.status(401).json({ statusCode: 401, code: 'UNAUTHORIZED', message: '未登录或登录已失效' });
    if (!isAdmin(principal))
      return res.status(403).json({ statusCode: 403, code: 'FORBIDDEN', message: '仅管理员可查看队列' });
    if (fromQuery) res.cookie?.('pf_board', fromQuery, { httpOnly: true, sameSite: 'strict', path: BULL_BOARD_PATH });
    next();
  };
  app.use(BULL_BOARD_PATH, guard, serverAdapter.getRouter());
}
