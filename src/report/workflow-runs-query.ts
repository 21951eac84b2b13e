import { callsInWindow, type ReportGroupColumn } from './report-group-column.js'

/**
 * The runs of each group's workflows, beside `runs` (the runs in which the group
 * itself made a call): a step that calls a model in one run of ten has 1 run and 10
 * workflow runs, and its cost per workflow run is what it adds to the average run.
 * A run's key is its workflow and, when the report groups by tags, its values of
 * those tags; a group's workflow runs are the runs, in the window, of every key its
 * calls carry (each with a call in the window: a run whose calls were all refused
 * has none). Grouped by workflow and tags only, it equals `runs`.
 */
export function workflowRunCounts(groups: readonly ReportGroupColumn[], workflowFilter: boolean): string {
  const tags = groups.filter((group) => group.isTag)
  const keyColumns = [`Workflow AS runWorkflow`, ...tags.map(({ alias, expression }) => `${expression} AS run_${alias}`)].join(', ')
  const keyAliases = ['runWorkflow', ...tags.map(({ alias }) => `run_${alias}`)].join(', ')
  const groupColumns = groups.map(({ alias, expression }) => `${expression} AS ${alias}`).join(', ')
  const aliases = groups.map(({ alias }) => alias).join(', ')
  const runCalls = `${callsInWindow(workflowFilter)} AND WorkflowRunId != ''`
  return `SELECT ${aliases}, sum(keyRuns) AS workflowRuns
    FROM (
        SELECT DISTINCT ${groupColumns}, ${keyColumns}
        FROM llm_calls
        WHERE ${runCalls}
    ) AS groupKeys
    INNER JOIN (
        SELECT ${keyColumns}, uniqExact(WorkflowRunId) AS keyRuns
        FROM llm_calls
        WHERE ${runCalls}
        GROUP BY ${keyAliases}
    ) AS runsByKey USING (${keyAliases})
    GROUP BY ${aliases}`
}
