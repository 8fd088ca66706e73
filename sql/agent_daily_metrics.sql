-- agent_daily_metrics: one row per agent and day (UTC start date) with at least one
-- conversation, as design.md defines it. Measures count final conversations only:
--   conversations: final conversations; in_progress: the others;
--   successful, failed, unknown: by call_successful = success / failure / anything else;
--   success_rate: successful / (successful + failed), NULL when both are 0;
--   avg_, p50_, p95_duration_secs: mean and quantile_cont 0.5 / 0.95 of duration_secs;
--   total_duration_secs: sum of duration_secs; total_cost_credits: sum of cost_credits
--   (SQL SUM, NULL when every value is NULL; 0 when the day has no final conversation);
--   positive, neutral, negative: by sentiment_label;
--   avg_sentiment_score: mean of sentiment_score, NULLs skipped.
-- agent_name is the catalogue's name, else the latest name sent with its conversations.
-- Key: agent_id, start_date
SELECT
    measures.* EXCLUDE (all_days) REPLACE (
        coalesce(agents.name, measures.agent_name) AS agent_name
    )
FROM agent_measures AS measures
LEFT JOIN agents ON agents.agent_id = measures.agent_id
WHERE NOT measures.all_days
ORDER BY measures.agent_id, measures.start_date
