-- agent_daily_interruptions: one row per agent and day with transcript turns: how often
-- turns were cut off, over every conversation of that day.
--   turns, agent_turns, user_turns: transcript entries, all and by role;
--   interrupted_agent_turns: agent turns interrupted by the caller (barge-in);
--   interruption_rate: interrupted_agent_turns / agent_turns, NULL without agent turns;
--   interrupted_user_turns, user_interruption_rate: the same for the caller's turns.
-- Key: agent_id, start_date
WITH counts AS (
    SELECT
        conversations.agent_id,
        turns.start_date,
        count(*) AS turns,
        count(*) FILTER (WHERE turns.role = 'agent') AS agent_turns,
        count(*) FILTER (WHERE turns.role = 'user') AS user_turns,
        count(*) FILTER (WHERE turns.role = 'agent' AND turns.interrupted)
            AS interrupted_agent_turns,
        count(*) FILTER (WHERE turns.role = 'user' AND turns.interrupted)
            AS interrupted_user_turns
    FROM transcript_turns AS turns
    INNER JOIN conversations
        ON
            conversations.conversation_id = turns.conversation_id
            AND conversations.start_date = turns.start_date
    GROUP BY conversations.agent_id, turns.start_date
)

SELECT
    agent_id,
    start_date,
    turns,
    agent_turns,
    user_turns,
    interrupted_agent_turns,
    interrupted_agent_turns / nullif(agent_turns, 0) AS interruption_rate,
    interrupted_user_turns,
    interrupted_user_turns / nullif(user_turns, 0) AS user_interruption_rate
FROM counts
ORDER BY agent_id, start_date
