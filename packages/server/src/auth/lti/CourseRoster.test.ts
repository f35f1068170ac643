import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../errors.ts';
import { planFromGroups, type CourseMember } from './CourseRoster.ts';

const member = (id: string, name: string, groups: string[], extra: Partial<CourseMember> = {}): CourseMember => ({ user_id: id, name, roles: ['Learner'], status: 'Active', email: `${id}@etu.test`, group_enrollments: groups.map((group_id) => ({ group_id })), ...extra });

describe('planFromGroups', () => {
  it('one room per group with students; teachers, inactive members and people without a group stay out', () => {
    const plan = planFromGroups(
      [
        member('1', 'Teacher', ['g1'], { roles: ['Instructor'] }),
        member('2', 'Ada', ['g1', 'g2']),
        member('3', 'Alan', ['g2']),
        member('4', 'Gone', ['g1'], { status: 'Inactive' }),
        member('5', 'Nobody', []),
        member('6', 'Grace', ['g3'], { email: 'ada-not-an-email' }),
      ],
      [
        { id: 'g1', name: 'TD 1' },
        { id: 'g2', name: 'td 1' },
        { id: 'g3', name: '  Lab  ' },
        { id: 'g4', name: 'Empty' },
      ],
    );
    // Names alike (whatever the case) get distinct rooms; empty groups none.
    assert.deepEqual(plan.rooms, ['TD 1', 'td 1 (2)', 'Lab']);
    assert.deepEqual(plan.assignments.map((a) => [a.name, a.room]), [['Ada', 'TD 1'], ['Alan', 'td 1 (2)'], ['Grace', 'Lab']]);
    // An address the plan refuses does not sink the plan.
    assert.ok(plan.assignments.every((a) => a.email === null || a.email.includes('@')));
  });

  it('no groups with students: a typed error, no empty plan', () => {
    assert.throws(() => planFromGroups([member('2', 'Ada', [])], []), (err: unknown) => err instanceof AppError && err.code === 'http.invalid_body');
  });
});
