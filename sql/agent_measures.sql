-- agent_measures (build step, a temporary table that is not kept): the measures of
-- agent_daily_metrics and agent_metrics in one pass over conversations, grouped per agent and
-- day (all_days false) and per agent over every day (all_days true, start_date NULL).
-- Measures count final conversations (is_final) only; in_progress counts the others.
-- Sums follow SQL SUM (NULL when every value is NULL), except that a group without final
-- conversations gets 0 for total_duration_secs and total_cost_credits.
WITH sums AS (
    SELECT
        agent_id,
        arg_max(agent_name, start_time) AS agent_name,
        start_date,
        count(*) FILTER (WHERE is_final) AS conversations,
        count(*) FILTER (WHERE is_final IS NOT TRUE) AS in_progress,
        count(*) FILTER (WHERE is_final AND call_successful = 'success') AS successful,
        count(*) FILTER (WHERE is_final AND call_successful = 'failure') AS failed,
        count(*) FILTER (
            WHERE is_final AND coalesce(call_successful NOT IN ('success', 'failure'), true)
        ) AS unknown,
        avg(duration_secs) FILTER (WHERE is_final) AS avg_duration_secs,
        quantile_cont(duration_secs, 0.5) FILTER (WHERE is_final) AS p50_duration_secs,
        quantile_cont(duration_secs, 0.95) FILTER (WHERE is_final) AS p95_duration_secs,
        sum(duration_secs) FILTER (WHERE is_final) AS sum_duration_secs,
        count(*) FILTER (WHERE is_final AND sentiment_label = 'positive') AS positive,
        count(*) FILTER (WHERE is_final AND sentiment_label = 'neutral') AS neutral,
        count(*) FILTER (WHERE is_final AND sentiment_label = 'negative') AS negative,
        avg(sentiment_score) FILTER (WHERE is_final) AS avg_sentiment_score,
        sum(cost_credits) FILTER (WHERE is_final) AS sum_cost_credits,
        GROUPING(start_date) = 1 AS all_days
    FROM conversations
    GROUP BY GROUPING SETS ((agent_id, start_date), (agent_id))
)

SELECT
    agent_id,
    agent_name,
    start_date,
    conversations,
    in_progress,
    successful,
    failed,
    unknown,
    successful / nullif(successful + failed, 0) AS success_rate,
    avg_duration_secs,
    p50_duration_secs,
    p95_duration_secs,
    CASE WHEN conversations = 0 THEN 0 ELSE sum_duration_secs END AS total_duration_secs,
    positive,
    neutral,
    negative,
    avg_sentiment_score,
    CAST(CASE WHEN conversations = 0 THEN 0 ELSE sum_cost_credits END AS BIGINT)
        AS total_cost_credits,
    all_days
FROM sums
