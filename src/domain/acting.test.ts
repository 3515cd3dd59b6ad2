import { describe, expect, it } from 'vitest';
import { actingConflicts, actingRaterFor, unitHeads } from './acting.js';
import { ACTING_CASES, ACTING_PEOPLE } from './fixtures/rule-cases.js';

describe('actingRaterFor (who rates an employee today)', () => {
  it.each(ACTING_CASES.map((c) => [c.what, c] as const))('%s', (_what, c) => {
    const employee = { id: ACTING_PEOPLE.E, supervisorId: c.hasSupervisor ? ACTING_PEOPLE.S : null, supervisorActive: c.supervisorActive, timezone: c.timezone };
    const assignments = c.assignments.map((a) => ({ ...a, actingEmployeeActive: !c.inactive.includes(a.actingEmployeeId) }));
    expect(actingRaterFor(employee, assignments, new Date(c.at))).toEqual(c.expected);
  });

  it('does not depend on the order the assignments are given in', () => {
    for (const c of ACTING_CASES) {
      const employee = { id: ACTING_PEOPLE.E, supervisorId: c.hasSupervisor ? ACTING_PEOPLE.S : null, supervisorActive: c.supervisorActive, timezone: c.timezone };
      const assignments = c.assignments.map((a) => ({ ...a, actingEmployeeActive: !c.inactive.includes(a.actingEmployeeId) }));
      expect(actingRaterFor(employee, [...assignments].reverse(), new Date(c.at)), c.what).toEqual(c.expected);
    }
  });
});

describe('actingConflicts (entering an assignment)', () => {
  const existing = [{ id: 1, kind: 'plt' as const, actingEmployeeId: 10, forEmployeeId: 20, startsOn: '2027-01-04', endsOn: '2027-01-31', actingEmployeeActive: true }];
  const base = { kind: 'plh' as const, actingEmployeeId: 11, forEmployeeId: 20, startsOn: '2027-02-01', endsOn: '2027-02-05', actingEmployeeActive: true };
  it.each([
    ['the day after the other ends', {}, []],
    ['another person replaced on the same days', { forEmployeeId: 21, startsOn: '2027-01-10' }, []],
    ['a shared last day (ends are inclusive)', { startsOn: '2027-01-31' }, ['overlap']],
    ['inside the other', { startsOn: '2027-01-10', endsOn: '2027-01-12' }, ['overlap']],
    ['around the other', { startsOn: '2027-01-01', endsOn: '2027-03-01' }, ['overlap']],
    ['the end before the start', { startsOn: '2027-02-05', endsOn: '2027-02-01' }, ['ends_before_start']],
    ['acting for oneself', { actingEmployeeId: 20 }, ['acts_for_self']],
    ['an inactive acting official', { actingEmployeeActive: false }, ['acting_inactive']],
  ])('%s', (_what, change, codes) => {
    expect(actingConflicts({ ...base, ...change }, existing).map((c) => c.code)).toEqual(codes);
  });
});

describe('unitHeads (the person an acting official named by unit replaces)', () => {
  const people = [
    { id: 1, unitId: 100, supervisorId: null }, // head of the agency
    { id: 2, unitId: 200, supervisorId: 1 }, // head of a sub-unit, reports outside it
    { id: 3, unitId: 200, supervisorId: 2 },
    { id: 4, unitId: 200, supervisorId: 2 },
    { id: 5, unitId: 300, supervisorId: null },
    { id: 6, unitId: 300, supervisorId: null },
    { id: 7, unitId: 300, supervisorId: 5 },
    { id: 8, unitId: 300, supervisorId: 6 },
  ];
  it('is the member who supervises someone and reports outside the unit (or to nobody)', () => {
    expect(unitHeads(200, people)).toEqual([2]);
    expect(unitHeads(100, people)).toEqual([1]); // supervises only the head of a sub-unit
  });
  it('lists several or none so the caller can ask for a NIP', () => {
    expect(unitHeads(300, people)).toEqual([5, 6]);
    expect(unitHeads(999, people)).toEqual([]);
    expect(unitHeads(400, [{ id: 9, unitId: 400, supervisorId: null }])).toEqual([]); // supervises nobody
  });
});
