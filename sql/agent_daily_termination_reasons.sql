-- agent_daily_termination_reasons: one row per agent, day and termination reason, over the
-- final conversations of that agent and day.
--   conversations: final conversations that ended for this reason;
--   share_of_day: conversations / the agent-day's final conversations;
--   avg_duration_secs: mean duration_secs of those conversations.
-- Key: agent_id, start_date, termination_reason
SELECT
    agent_id,
    start_date,
    termination_reason,
    count(*) AS conversations,
    count(*) / sum(count(*)) OVER (PARTITION BY agent_id, start_date) AS share_of_day,
    avg(duration_secs) AS avg_duration_secs
FROM conversations
WHERE is_final
GROUP BY agent_id, start_date, termination_reason
ORDER BY agent_id, start_date, conversations DESC, termination_reason
