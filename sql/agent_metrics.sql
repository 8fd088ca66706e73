-- agent_metrics: one row per agent, with the measures of agent_daily_metrics over every day
-- in the warehouse (quantiles over all its conversations, not averages of days).
-- The agents are every agent in the catalogue (`agents`), with 0 for the counts,
-- total_duration_secs and total_cost_credits (NULL averages, quantiles and success_rate)
-- when it has no final conversation, plus every agent_id seen in conversations but missing
-- from the catalogue, named as its latest conversation names it (conversations without an
-- agent_id make one row with a NULL agent_id).
-- Key: agent_id
WITH every_agent AS (
    SELECT agent_id, name AS agent_name FROM agents
    UNION ALL
    SELECT agent_id, agent_name
    FROM agent_measures
    WHERE all_days AND NOT EXISTS (
        SELECT 1 FROM agents WHERE agents.agent_id = agent_measures.agent_id
    )
)

SELECT
    every_agent.agent_id,
    every_agent.agent_name,
    coalesce(measures.conversations, 0) AS conversations,
    coalesce(measures.in_progress, 0) AS in_progress,
    coalesce(measures.successful, 0) AS successful,
    coalesce(measures.failed, 0) AS failed,
    coalesce(measures.unknown, 0) AS unknown,
    measures.success_rate,
    measures.avg_duration_secs,
    measures.p50_duration_secs,
    measures.p95_duration_secs,
    CASE WHEN measures.all_days IS NULL THEN 0 ELSE measures.total_duration_secs END
        AS total_duration_secs,
    coalesce(measures.positive, 0) AS positive,
    coalesce(measures.neutral, 0) AS neutral,
    coalesce(measures.negative, 0) AS negative,
    measures.avg_sentiment_score,
    CASE WHEN measures.all_days IS NULL THEN 0 ELSE measures.total_cost_credits END
        AS total_cost_credits
FROM every_agent
LEFT JOIN agent_measures AS measures
    ON measures.all_days AND measures.agent_id IS NOT DISTINCT FROM every_agent.agent_id
ORDER BY every_agent.agent_id
