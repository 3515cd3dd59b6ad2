import { describe, expect, it } from 'vitest';
import { actingRaterFor } from './acting.js';
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
