import type { Subject } from '../api/types';

/** A case's subject as a clerk reads it: the name the API gives, else the kind. */
export function SubjectLabel({ subject, name }: { subject: Subject; name?: string | null }) {
  const kind = subject.memberId ? '党员' : subject.firmId ? '律所' : subject.orgId ? '党组织' : '';
  if (name)
    return (
      <span>
        <span style={{ color: '#595959', marginInlineEnd: 4 }}>{kind}</span>
        {name}
      </span>
    );
  return <span style={{ color: '#595959' }}>{kind || '—'}</span>;
}
