import { Button, Result } from 'antd';
import { Link } from 'react-router';

/** Unknown path, or something outside the caller's scope (the API never says which). */
export default function NotFoundPage({ what }: { what?: string }) {
  return (
    <Result
      status="404"
      title="未找到"
      subTitle={what ? `${what}不存在，或不在您的权限范围内。` : '页面不存在，或不在您的权限范围内。'}
      extra={
        <Link to="/inbox">
          <Button type="primary">返回待办</Button>
        </Link>
      }
    />
  );
}
