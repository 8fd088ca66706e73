-- agent_tool_metrics: one row per agent and tool (name and type as called), with the
-- measures of tool_metrics over that agent's tool calls.
-- Key: agent_id, tool_name, tool_type
SELECT * EXCLUDE (all_agents)
FROM tool_call_measures
WHERE NOT all_agents
ORDER BY agent_id, tool_name, tool_type
