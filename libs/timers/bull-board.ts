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

/** The cookie that carries a queue board session (see AuthService.issueQueueBoardSession). */
export const QUEUE_BOARD_COOKIE = 'pf_board';

/**
 * Bull Board for admins at /admin/queues. A browser cannot send a Bearer header on navigation, and a
 * token in the URL ends up in history, logs and Referer headers, so the board only takes its own session
 * cookie: short-lived, HttpOnly, SameSite=Strict (no other site can make the browser use it, which also
 * guards the board's retry/clean buttons against cross-site requests) and scoped to this path. An admin
 * gets it from `POST /api/v1/auth/queue-board-session` with their access token.
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
  const cookiePattern = new RegExp(`(?:^|;\\s*)${QUEUE_BOARD_COOKIE}=([^;]+)`);
  const guard = async (req: Request, res: Response, next: NextFunction) => {
    const token = cookiePattern.exec(req.headers.cookie ?? '')?.[1];
    const principal = token ? await auth.verifyQueueBoardSession(token) : null;
    if (!principal)
      return res.status(401).json({
        statusCode: 401,
        code: 'UNAUTHORIZED',
        message: '未登录或会话已过期：请从控制台「系统管理 → 运维工具」打开队列看板',
      });
    if (!isAdmin(principal))
      return res.status(403).json({ statusCode: 403, code: 'FORBIDDEN', message: '仅管理员可查看队列' });
    next();
  };
  app.use(BULL_BOARD_PATH, guard, serverAdapter.getRouter());
}
