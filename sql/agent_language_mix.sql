-- agent_language_mix: one row per agent and main language, over the agent's final
-- conversations on every day in the warehouse.
--   conversations: final conversations in this language;
--   share: conversations / the agent's final conversations;
--   success_rate: success / (success + failure) by call_successful, NULL when both are 0;
--   avg_sentiment_score: mean of sentiment_score, NULLs skipped.
-- Key: agent_id, main_language
SELECT
    agent_id,
    main_language,
    count(*) AS conversations,
    count(*) / sum(count(*)) OVER (PARTITION BY agent_id) AS share,
    count(*) FILTER (WHERE call_successful = 'success')
    / nullif(count(*) FILTER (WHERE call_successful IN ('success', 'failure')), 0)
        AS success_rate,
    avg(sentiment_score) AS avg_sentiment_score
FROM conversations
WHERE is_final
GROUP BY agent_id, main_language
ORDER BY agent_id, conversations DESC, main_language
