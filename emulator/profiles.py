"""Agent archetypes: the kinds of agent a synthetic account has, cycled over `--agents`.

Each says what the agent is for, which languages its callers speak, how calls reach it, which
tools and analysis it has, and whether the API's sentiment feature is on for it (so list items
carry `sentiment_analysis` for some agents only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from emulator.model import Criterion, DataField, ToolSpec


@dataclass(frozen=True)
class Profile:
    name: str
    topic: str
    languages: tuple[str, ...]
    channel: Literal["twilio", "sip_trunk", "widget", "chat"]
    direction: Literal["inbound", "outbound"] | None
    tools: tuple[str, ...]
    documents: tuple[str, ...]
    sentiment_enabled: bool
    criteria: tuple[Criterion, ...]
    data_fields: tuple[DataField, ...]
    tags: tuple[str, ...]


PROFILES: tuple[Profile, ...] = (
    Profile(
        name="Acme Support (EN)",
        topic="orders",
        languages=("en",),
        channel="twilio",
        direction="inbound",
        tools=("lookup_order", "issue_refund"),
        documents=("Acme returns policy.pdf", "https://acme.example/faq"),
        sentiment_enabled=True,
        criteria=(
            Criterion("resolved without escalation", "Was the question answered without a human?"),
            Criterion("verified_order_number", "Did the agent read the order number back?"),
        ),
        data_fields=(
            DataField("order_number", "string", "The order number, digits only."),
            DataField(
                "caller_intent",
                "string",
                "Primary intent of the caller.",
                ("order_status", "return", "billing", "other"),
            ),
            DataField(
                "callback_requested", "boolean", "Whether the caller asked to be called back."
            ),
        ),
        tags=("support", "en"),
    ),
    Profile(
        name="Stadtwerke Kundenservice",
        topic="billing",
        languages=("de",),
        channel="sip_trunk",
        direction="inbound",
        tools=("check_invoice",),
        documents=("Tarifübersicht 2025.pdf",),
        sentiment_enabled=False,
        criteria=(
            Criterion("Rückruf angeboten", "Hat der Agent einen Rückruf angeboten?"),
            Criterion("Anliegen/gelöst", "Wurde das Anliegen gelöst?"),
        ),
        data_fields=(
            DataField("Name/Firma", "string", "Name oder Firma des Anrufers."),
            DataField("Rückrufnummer", "string", "Telefonnummer für einen Rückruf."),
            DataField("Anzahl Zähler", "integer", "Wie viele Zähler der Kunde hat."),
        ),
        tags=("billing", "de"),
    ),
    Profile(
        name="Reservas La Marina",
        topic="restaurant",
        languages=("es",),
        channel="widget",
        direction=None,
        tools=("book_table", "show_menu"),
        documents=("Carta de temporada",),
        sentiment_enabled=True,
        criteria=(Criterion("reserva confirmada", "¿Se confirmó la reserva?"),),
        data_fields=(
            DataField("party size", "integer", "Número de comensales."),
            DataField("fecha/hora", "string", "Fecha y hora de la reserva."),
        ),
        tags=("bookings",),
    ),
    Profile(
        name="Appointment Reminder",
        topic="appointments",
        languages=("en",),
        channel="twilio",
        direction="outbound",
        tools=("reschedule_appointment",),
        documents=(),
        sentiment_enabled=False,
        criteria=(Criterion("appointment confirmed", "Did the patient confirm or reschedule?"),),
        data_fields=(DataField("new_slot", "string", "The new appointment time, if any."),),
        tags=(),
    ),
    Profile(
        name="Lumière Support Chat",
        topic="support",
        languages=("fr",),
        channel="chat",
        direction=None,
        tools=("lookup_order",),
        documents=("Conditions générales de vente",),
        sentiment_enabled=True,
        criteria=(Criterion("demande traitée", "La demande a-t-elle été traitée ?"),),
        data_fields=(DataField("numéro client", "string", "Numéro de client."),),
        tags=("support", "fr"),
    ),
    Profile(
        name="Harbour Concierge",
        topic="concierge",
        languages=("en", "pt", "it"),
        channel="sip_trunk",
        direction="inbound",
        tools=("book_table", "call_taxi"),
        documents=("Harbour Hotel guide",),
        sentiment_enabled=False,
        criteria=(Criterion("request fulfilled", "Was the guest's request arranged?"),),
        data_fields=(
            DataField("room number", "integer", "The guest's room number."),
            DataField("vip", "boolean", "Whether the guest is a VIP."),
        ),
        tags=("hospitality",),
    ),
)


TOOL_SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "lookup_order",
        "webhook",
        "Look up an order by its number.",
        "https://api.acme.example/orders/{order_id}",
        "GET",
        ("order_id",),
    ),
    ToolSpec(
        "issue_refund",
        "webhook",
        "Refund a charge on an order.",
        "https://api.acme.example/refunds",
        "POST",
        ("order_id", "amount"),
    ),
    ToolSpec(
        "check_invoice",
        "webhook",
        "Rechnung eines Kunden abrufen.",
        "https://api.stadtwerke.example/rechnungen/{kundennummer}",
        "GET",
        ("kundennummer",),
    ),
    ToolSpec(
        "book_table",
        "webhook",
        "Book a restaurant table.",
        "https://api.tables.example/bookings",
        "POST",
        ("party_size", "time"),
    ),
    ToolSpec("show_menu", "client", "Show the menu in the widget.", None, None, ("section",)),
    ToolSpec(
        "reschedule_appointment",
        "webhook",
        "Move an appointment to a new slot.",
        "https://api.brightdental.example/appointments/{appointment_id}",
        "PATCH",
        ("appointment_id", "slot"),
    ),
    ToolSpec(
        "call_taxi",
        "webhook",
        "Order a taxi for a guest.",
        "https://api.taxi.example/rides",
        "POST",
        ("pickup_time", "destination"),
    ),
)


def profile_for(index: int) -> Profile:
    return PROFILES[index % len(PROFILES)]
