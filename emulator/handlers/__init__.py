"""The 17 operations, written once for both dialects: find the resource, apply the change,
let the dialect shape the answer. Each handler takes the request and returns a `Response`."""

from emulator.handlers import agents, conversations, library
from emulator.handlers.context import Context, Handler

HANDLERS: dict[str, Handler] = {
    "conversations.list": conversations.list_conversations,
    "conversations.get": conversations.get_conversation,
    "conversations.delete": conversations.delete_conversation,
    "conversations.audio": conversations.get_audio,
    "agents.list": agents.list_agents,
    "agents.get": agents.get_agent,
    "agents.create": agents.create_agent,
    "agents.update": agents.update_agent,
    "agents.delete": agents.delete_agent,
    "agents.simulate": agents.simulate_conversation,
    "knowledge_base.list": library.list_documents,
    "knowledge_base.add": library.add_document,
    "knowledge_base.delete": library.delete_document,
    "knowledge_base.dependent_agents": library.dependent_agents,
    "tools.list": library.list_tools,
    "tools.create": library.create_tool,
    "tools.delete": library.delete_tool,
}

__all__ = ["HANDLERS", "Context", "Handler"]
