import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeams, SERVER_START_TIMEOUT_MS, type Teams } from './helpers.js';

/**
 * Every row-level security policy reads the member's team (and whether they manage it) once
 * per statement (drizzle/pg/0014_policies_read_team_once.sql): as a scalar subquery, which
 * the planner runs once as an InitPlan, rather than a call of the SECURITY DEFINER function
 * for each row. test/pg/rls.test.ts checks what the policies let through.
 */
let teams: Teams;

beforeAll(async () => {
  teams = await createTeams();
  await teams.ann.query(`INSERT INTO crm.customers (name, owner) SELECT 'Person ' || g, $1 FROM generate_series(1, 50) AS g`, [teams.names.ann]);
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => teams?.db.close());

/** The functions a policy may call once per statement only. */
const ONCE = ['crm_team', 'crm_is_manager'];
const initPlan = (name: string) => `( SELECT crm.${name}() AS ${name})`;

/** The calls left in an expression once its scalar subqueries are taken out. */
function perRowCalls(expression: string): string[] {
  let rest = expression;
  for (const name of ONCE) rest = rest.replaceAll(initPlan(name), '');
  return ONCE.filter((name) => rest.includes(`${name}(`));
}

describe('row-level security policies', () => {
  it('read the team in a scalar subquery, in every USING and WITH CHECK expression of every policy', async () => {
    const { rows } = await teams.db.asSuperuser(
      `SELECT tablename, policyname, qual, with_check FROM pg_policies WHERE schemaname = 'crm' ORDER BY tablename, policyname`,
    );
    expect(rows.length).toBeGreaterThan(30);
    for (const row of rows) {
      const expressions = [row.qual, row.with_check].filter((text): text is string => text !== null);
      expect(expressions.length, row.policyname).toBeGreaterThan(0);
      for (const expression of expressions) {
        // Every policy is a team's: it compares with the team (read once), and calls nothing per row.
        expect(expression, `${row.tablename}.${row.policyname}`).toContain(initPlan('crm_team'));
        expect(perRowCalls(expression), `${row.tablename}.${row.policyname}: ${expression}`).toEqual([]);
      }
    }
  });

  it('the check catches a call per row', () => {
    expect(perRowCalls('((team_id = crm.crm_team()) AND crm.crm_is_manager())')).toEqual(['crm_team', 'crm_is_manager']);
    expect(perRowCalls(`((team_id = ${initPlan('crm_team')}) AND crm.crm_is_manager())`)).toEqual(['crm_is_manager']);
    expect(perRowCalls(`((team_id = ${initPlan('crm_team')}) AND ${initPlan('crm_is_manager')})`)).toEqual([]);
  });

  it("a member's read evaluates the team once (an InitPlan), not in each row's filter", async () => {
    const { rows } = await teams.ann.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM crm.customers WHERE name LIKE 'Person%'`);
    const plan = rows.map((row) => row['QUERY PLAN'] as string).join('\n');
    expect(plan).toMatch(/InitPlan 1 \(returns \$0\)/);
    expect(plan).toMatch(/Result \(actual rows=1 loops=1\)/);
    expect(plan).not.toContain('crm_team()');
    expect((await teams.ann.query(`SELECT count(*)::int AS n FROM crm.customers WHERE name LIKE 'Person%'`)).rows).toEqual([{ n: 50 }]);
  });
});
