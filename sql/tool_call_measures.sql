-- tool_call_measures (build step, a temporary table that is not kept): the measures of
-- tool_metrics and agent_tool_metrics in one pass over tool_calls, grouped per tool
-- (all_agents true, agent_id NULL) and per agent and tool (all_agents false).
-- Every tool call counts, whether or not its conversation is final.
WITH counts AS (
    SELECT
        conversations.agent_id,
        calls.tool_name,
        calls.tool_type,
        count(*) AS calls,
        count(DISTINCT calls.conversation_id) AS conversations,
        count(*) FILTER (WHERE calls.has_result) AS results,
        count(*) FILTER (WHERE calls.is_error) AS errors,
        avg(calls.latency_secs) AS avg_latency_secs,
        quantile_cont(calls.latency_secs, 0.5) AS p50_latency_secs,
        quantile_cont(calls.latency_secs, 0.95) AS p95_latency_secs,
        GROUPING(conversations.agent_id) = 1 AS all_agents
    FROM tool_calls AS calls
    LEFT JOIN conversations
        ON
            conversations.conversation_id = calls.conversation_id
            AND conversations.start_date = calls.start_date
    GROUP BY GROUPING SETS (
        (calls.tool_name, calls.tool_type),
        (conversations.agent_id, calls.tool_name, calls.tool_type)
    )
)

SELECT
    agent_id,
    tool_name,
    tool_type,
    calls,
    conversations,
    results,
    calls - results AS unanswered,
    errors,
    errors / nullif(results, 0) AS error_rate,
    avg_latency_secs,
    p50_latency_secs,
    p95_latency_secs,
    all_agents
FROM counts
