-- agent_daily_cost: one row per agent and day with at least one final conversation: what its
-- final conversations cost (sums follow SQL SUM: NULL when every value is NULL).
--   cost_credits: sum of cost_credits; avg_cost_credits: their mean;
--   cost_usd: sum of cost_usd, over the conversations_with_usd that track it;
--   llm_cost_usd: sum of llm_cost_usd (the LLM share of cost_usd);
--   usd_per_minute: cost_usd / minutes of duration_secs of the conversations that track USD.
-- Key: agent_id, start_date
SELECT
    agent_id,
    start_date,
    count(*) AS conversations,
    CAST(sum(cost_credits) AS BIGINT) AS cost_credits,
    avg(cost_credits) AS avg_cost_credits,
    count(cost_usd) AS conversations_with_usd,
    sum(cost_usd) AS cost_usd,
    sum(llm_cost_usd) AS llm_cost_usd,
    sum(cost_usd)
    / nullif(sum(duration_secs) FILTER (WHERE cost_usd IS NOT NULL) / 60, 0) AS usd_per_minute
FROM conversations
WHERE is_final
GROUP BY agent_id, start_date
ORDER BY agent_id, start_date
