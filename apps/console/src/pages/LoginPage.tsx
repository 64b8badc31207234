import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input } from 'antd';
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { ApiError } from '../api/http';
import { useAuth } from '../auth/auth';

/** Only paths of this console are followed after login (never another origin). */
const safeFrom = (from: string | null) => (from && from.startsWith('/') && !from.startsWith('//') ? from : '/inbox');

export default function LoginPage() {
  const { token, login } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const from = safeFrom(params.get('from'));

  if (token) return <Navigate to={from} replace />;

  const onFinish = async (v: { username: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      await login(v.username.trim(), v.password);
      navigate(from, { replace: true });
    } catch (e) {
      setError(e instanceof ApiError ? e.message : '登录失败，请稍后重试');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main
      style={{
        minHeight: '100vh',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        background: 'linear-gradient(160deg, #a8071a 0%, #5c0011 100%)',
        padding: 16,
      }}
    >
      {/* a plain panel, not antd's Card: the login screen is part of the first-visit bundle budget */}
      <section
        aria-labelledby="login-title"
        style={{
          width: '100%',
          maxWidth: 380,
          background: '#fff',
          borderRadius: 8,
          padding: 24,
          boxShadow: '0 6px 24px rgba(0,0,0,.25)',
        }}
      >
        <h1 id="login-title" style={{ fontSize: 22, textAlign: 'center', margin: '0 0 4px' }}>
          律师行业党建工作台
        </h1>
        <p style={{ textAlign: 'center', color: '#595959', marginTop: 0 }}>PartyFlow 党建流程引擎</p>
        {params.get('expired') ? (
          <Alert type="warning" showIcon title="登录已过期，请重新登录" style={{ marginBottom: 16 }} />
        ) : null}
        {error ? (
          <Alert
            type="error"
            showIcon
            title={error}
            style={{ marginBottom: 16 }}
            role="alert"
            data-testid="login-error"
          />
        ) : null}
        <Form layout="vertical" onFinish={onFinish} requiredMark={false}>
          <Form.Item label="用户名" name="username" rules={[{ required: true, message: '请输入用户名' }]}>
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label="密码" name="password" rules={[{ required: true, message: '请输入密码' }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            登录
          </Button>
        </Form>
      </section>
    </main>
  );
}
