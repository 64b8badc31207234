import { Button, Result, Space, Typography } from 'antd';
import { Link, isRouteErrorResponse, useRouteError } from 'react-router';

/**
 * A page that failed while loading or drawing (a defect, or its code chunk not loading after an update): said
 * in Chinese where the page would be, inside the console's frame, with the way back — instead of the router's
 * English developer screen. Nothing the clerk submitted is lost: every action is saved by the API before the
 * page shows its result.
 */
export default function PageError() {
  const error = useRouteError();
  const detail = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : error instanceof Error
      ? error.message
      : String(error);
  // the page's code did not arrive (the network dropped, or a new version replaced the files since this tab opened)
  const notLoaded = /dynamically imported module|Importing a module script failed/i.test(detail);
  return (
    <Result
      status="error"
      title="页面显示出错"
      subTitle={
        notLoaded
          ? '此页面的程序未能下载（网络中断，或系统刚刚更新）。已办理的事项均已保存，不受影响。请刷新页面重试。'
          : '此页面未能正常显示。已办理的事项均已保存，不受影响。请刷新重试；如仍出错，请将下方错误信息告知系统管理员。'
      }
      extra={
        <Space orientation="vertical" size={16}>
          <Space>
            <Button type="primary" onClick={() => window.location.reload()}>
              刷新页面
            </Button>
            <Link to="/inbox">
              <Button>返回待办</Button>
            </Link>
          </Space>
          <Typography.Text type="secondary" data-testid="page-error-detail" style={{ fontSize: 12 }}>
            错误信息：{detail}
          </Typography.Text>
        </Space>
      }
    />
  );
}
