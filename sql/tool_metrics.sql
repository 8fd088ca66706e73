-- tool_metrics: one row per tool (name and type as called), over every tool call in the
-- warehouse.
--   calls: tool calls; conversations: conversations that made them;
--   results: calls whose result came back; unanswered: calls - results;
--   errors: results that report an error; error_rate: errors / results, NULL without results;
--   avg_, p50_, p95_latency_secs: mean and quantile_cont 0.5 / 0.95 of latency_secs.
-- Key: tool_name, tool_type
SELECT * EXCLUDE (agent_id, all_agents)
FROM tool_call_measures
WHERE all_agents
ORDER BY tool_name, tool_type
