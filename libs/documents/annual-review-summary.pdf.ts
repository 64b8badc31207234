import type { CjkFaceName, LoadedFace } from './cjk-font';
import { BODY_SIZE, chineseDate, MARGIN_X, newDocument, sealBlock, table, title, toBuffer } from './pdf-layout';

export const GRADE_TITLES: Record<string, string> = { I: '先进（一类）', II: '一般（二类）', III: '后进（三类）' };
export const RATING_TITLES: Record<string, string> = {
  excellent: '优秀',
  qualified: '合格',
  basically_qualified: '基本合格',
  unqualified: '不合格',
};

/** What the summary prints: the review's context with names instead of ids. */
export interface AnnualReviewSummaryData {
  year: number;
  orgName: string;
  /** The committee that assessed and graded the organization. */
  assessorOrgName: string | null;
  score: number;
  grade: string;
  completedOn: string | null;
  selfAssessed: number;
  peerReviewedOn: string | null;
  meeting: { heldOn: string; branchComment: string } | null;
  leaderComment: string | null;
  ratings: { name: string; rating: string }[];
  report: { summary: string; submittedOn: string } | null;
}

/**
 * 年度考核评议情况汇总表 of one organization: the steps of 一会四评 with their dates, the committee's score and
 * grade, the secretary's report and the members' ratings, signed by the assessing committee.
 */
export async function renderAnnualReviewSummary(
  fonts: Record<CjkFaceName, LoadedFace>,
  d: AnnualReviewSummaryData,
): Promise<Buffer> {
  const doc = newDocument(fonts, `${d.orgName} ${d.year}年度考核评议情况汇总表`);
  let y = title(doc, `${d.year}年度基层党组织考核评议情况汇总表`, 48, 17);
  doc.font('regular').fontSize(BODY_SIZE).text(`党组织：${d.orgName}`, MARGIN_X, y, { lineBreak: false });
  y += BODY_SIZE + 12;
  const counts = Object.entries(RATING_TITLES).map(
    ([k, t]) => `${t} ${d.ratings.filter((r) => r.rating === k).length} 名`,
  );
  y = table(
    doc,
    [
      ['考核得分', `${d.score} 分`],
      ['考核等次', GRADE_TITLES[d.grade] ?? d.grade],
      ['个人自评', `${d.selfAssessed} 名党员已完成个人自评`],
      ['党员互评', d.peerReviewedOn ? `${chineseDate(d.peerReviewedOn)}完成` : '—'],
      [
        '组织生活会及支部讲评',
        d.meeting ? `${chineseDate(d.meeting.heldOn)}召开。支部讲评：${d.meeting.branchComment}` : '—',
      ],
      ['领导点评', d.leaderComment ?? '—'],
      ['民主评议党员', `参评 ${d.ratings.length} 名：${counts.join('，')}`],
      ['书记述职', d.report ? `${chineseDate(d.report.submittedOn)}提交。${d.report.summary}` : '—'],
      ['考核完成日期', d.completedOn ? chineseDate(d.completedOn) : '—'],
    ],
    y,
    { labelWidth: 130, padding: 4 },
  );
  if (d.ratings.length) {
    y += 16;
    doc.font('bold').fontSize(13).text('民主评议党员结果', MARGIN_X, y, { lineBreak: false });
    y = table(
      doc,
      d.ratings.map((r, i) => [`${i + 1}. ${r.name}`, RATING_TITLES[r.rating] ?? r.rating]),
      y + 22,
      { labelWidth: 200, header: ['党员', '评议等次'], padding: 2, labelBold: false, size: 10.5 },
    );
  }
  if (y + 90 > doc.page.height - doc.page.margins.bottom) {
    doc.addPage();
    y = doc.page.margins.top;
  }
  sealBlock(doc, d.assessorOrgName, chineseDate(d.completedOn), y + 24);
  return toBuffer(doc);
}
