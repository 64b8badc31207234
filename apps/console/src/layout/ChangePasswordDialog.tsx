import { Form, Input, message, Modal } from 'antd';
import { useState } from 'react';
import { ApiError, call, client } from '../api/http';

/** 修改密码: POST /auth/password { current, next }. */
export default function ChangePasswordDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [form] = Form.useForm<{ current: string; next: string; confirm: string }>();
  const [busy, setBusy] = useState(false);
  const [toast, toastHolder] = message.useMessage();

  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      await call(client.POST('/api/v1/auth/password', { body: { current: v.current, next: v.next } }));
      void toast.success('密码已修改');
      form.resetFields();
      onClose();
    } catch (e) {
      if (e instanceof ApiError) {
        const field = e.status === 400 && /next/.test(JSON.stringify(e.details ?? '')) ? 'next' : 'current';
        form.setFields([{ name: field, errors: [e.message] }]);
      } else throw e;
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {toastHolder}
      <Modal
        title="修改密码"
        open={open}
        onCancel={onClose}
        onOk={submit}
        okText="保存"
        cancelText="取消"
        confirmLoading={busy}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" requiredMark>
          <Form.Item label="当前密码" name="current" rules={[{ required: true, message: '请输入当前密码' }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Form.Item
            label="新密码"
            name="next"
            rules={[
              { required: true, message: '请输入新密码' },
              { min: 8, message: '新密码至少 8 位' },
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item
            label="确认新密码"
            name="confirm"
            dependencies={['next']}
            rules={[
              { required: true, message: '请再次输入新密码' },
              ({ getFieldValue }) => ({
                validator: (_, v) =>
                  !v || v === getFieldValue('next')
                    ? Promise.resolve()
                    : Promise.reject(new Error('两次输入的新密码不一致')),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
