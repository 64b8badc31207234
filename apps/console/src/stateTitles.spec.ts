import { describe, expect, it } from '@jest/globals';
import { leafPaths, stateValueTitle } from './stateTitles';

const states = [
  { name: 'talk_pending', title: '谈话' },
  { name: 'candidate', title: '发展对象培养' },
  { name: 'candidate.training.pending', title: '待集中培训' },
  { name: 'candidate.introducers.done', title: '已确定入党介绍人' },
  { name: 'candidate.public_notice.running', title: '公示中' },
];

describe('state titles in the console', () => {
  it('titles a simple state by its name, and shows an unknown one as it is', () => {
    expect(stateValueTitle(states, 'talk_pending')).toBe('谈话');
    expect(stateValueTitle(states, 'archived_elsewhere')).toBe('archived_elsewhere');
    expect(stateValueTitle(states, null)).toBe('—');
  });

  it('titles a parallel state by its outer state and each active step, in the order stored', () => {
    const value = { candidate: { training: 'pending', introducers: 'done', public_notice: 'running' } };
    expect(leafPaths(value)).toEqual([
      'candidate.training.pending',
      'candidate.introducers.done',
      'candidate.public_notice.running',
    ]);
    expect(stateValueTitle(states, value)).toBe('发展对象培养（待集中培训、已确定入党介绍人、公示中）');
  });

  it('without the workflow (still loading), shows the names rather than failing', () => {
    expect(stateValueTitle(undefined, { candidate: { training: 'pending' } })).toBe(
      'candidate（candidate.training.pending）',
    );
  });
});
