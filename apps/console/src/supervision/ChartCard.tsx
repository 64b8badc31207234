import { DownloadOutlined } from '@ant-design/icons';
import { Button, Card, Segmented, Space, Table } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { BarChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { prefersReducedMotion } from '../motion';
import { downloadXlsx } from './download';

echarts.use([BarChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export interface ChartColumn {
  title: string;
  key: string;
}

/**
 * One statistic: an ECharts chart, the same numbers as a table (for reading exact values and for screen
 * readers), and an .xlsx download of the table.
 */
export function ChartCard({
  title,
  option,
  columns,
  rows,
  fileName,
  extra,
  testId,
  height = 320,
}: {
  title: string;
  option: echarts.EChartsCoreOption;
  columns: ChartColumn[];
  rows: Record<string, any>[];
  fileName: string;
  extra?: ReactNode;
  testId: string;
  height?: number;
}) {
  const [view, setView] = useState<'chart' | 'table'>('chart');
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (view !== 'chart' || !ref.current) return;
    const chart = echarts.init(ref.current, undefined, { renderer: 'canvas' });
    chart.setOption({
      textStyle: { fontFamily: 'Noto Sans CJK SC, sans-serif' },
      animation: !prefersReducedMotion,
      ...option,
    });
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      chart.dispose();
    };
  }, [option, view]);
  const tableColumns: ColumnsType<Record<string, any>> = columns.map((c) => ({
    title: c.title,
    dataIndex: c.key,
    key: c.key,
  }));
  return (
    <Card
      title={<h2 style={{ fontSize: 16, margin: 0 }}>{title}</h2>}
      data-testid={testId}
      extra={
        <Space wrap>
          {extra}
          <Segmented
            aria-label={`${title}：图表或表格`}
            value={view}
            onChange={(v) => setView(v as 'chart' | 'table')}
            options={[
              { label: '图表', value: 'chart' },
              { label: '表格', value: 'table' },
            ]}
          />
          <Button
            icon={<DownloadOutlined />}
            onClick={() => void downloadXlsx(fileName, title.slice(0, 30), columns, rows)}
          >
            下载 xlsx
          </Button>
        </Space>
      }
      style={{ marginBottom: 16 }}
    >
      {view === 'chart' ? (
        <div
          ref={ref}
          role="img"
          aria-label={`${title}（图表；切换到“表格”查看数值）`}
          style={{ height, width: '100%' }}
        />
      ) : (
        <Table
          size="small"
          rowKey={(_r, i) => String(i)}
          columns={tableColumns}
          dataSource={rows}
          pagination={rows.length > 20 ? { pageSize: 20 } : false}
        />
      )}
    </Card>
  );
}
