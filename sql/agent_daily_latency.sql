-- agent_daily_latency: one row per agent and day with agent turns: how fast the agent
-- answered, from the per-turn metrics of its agent turns in every conversation of that day.
--   agent_turns: transcript entries by the agent; measured_turns: those with llm_ttfb_secs;
--   avg_, p50_, p95_llm_ttfb_secs: mean and quantile_cont 0.5 / 0.95 of the LLM's time to
--   first byte; the same for tts_ttfb_secs (TTS time to first byte); NULLs skipped.
-- Key: agent_id, start_date
SELECT
    conversations.agent_id,
    turns.start_date,
    count(*) AS agent_turns,
    count(turns.llm_ttfb_secs) AS measured_turns,
    avg(turns.llm_ttfb_secs) AS avg_llm_ttfb_secs,
    quantile_cont(turns.llm_ttfb_secs, 0.5) AS p50_llm_ttfb_secs,
    quantile_cont(turns.llm_ttfb_secs, 0.95) AS p95_llm_ttfb_secs,
    avg(turns.tts_ttfb_secs) AS avg_tts_ttfb_secs,
    quantile_cont(turns.tts_ttfb_secs, 0.5) AS p50_tts_ttfb_secs,
    quantile_cont(turns.tts_ttfb_secs, 0.95) AS p95_tts_ttfb_secs
FROM transcript_turns AS turns
INNER JOIN conversations
    ON
        conversations.conversation_id = turns.conversation_id
        AND conversations.start_date = turns.start_date
WHERE turns.role = 'agent'
GROUP BY conversations.agent_id, turns.start_date
ORDER BY conversations.agent_id, turns.start_date
