"""What the agents and callers say, per language and topic.

User lines come in three moods with clearly positive, neutral or negative wording, so that a
lexicon (VADER for English) separates them; the other languages carry real text in their
language so that language handling is exercised, not just a code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """Lines specific to what an agent is for, in one language."""

    greeting: str
    requests: tuple[str, ...]
    answers: tuple[str, ...]
    summary: str
    title: str


@dataclass(frozen=True)
class Voice:
    """Lines any agent or caller says in one language."""

    neutral: tuple[str, ...]
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    to_positive: str
    to_negative: str
    checking: str
    goodbye: str


VOICES: dict[str, Voice] = {
    "en": Voice(
        neutral=(
            "Okay. Can you also check the delivery address?",
            "What is the tracking number?",
            "I have one more question about the invoice.",
            "Could you repeat the date, please?",
        ),
        positive=(
            "Thank you so much, that's wonderful. You have been really helpful!",
            "Great, perfect. I really appreciate your help.",
            "Excellent, that is exactly what I needed. Thanks a lot!",
            "Awesome, thanks! I'm very happy with that.",
        ),
        negative=(
            "This is terrible. I am really frustrated and angry about this.",
            "That's awful. Nobody has helped me and I hate waiting.",
            "This is useless, honestly the worst service I have ever had.",
            "I'm very disappointed and upset, this is a horrible mess.",
        ),
        to_positive="I'm glad I could help. Is there anything else I can do for you?",
        to_negative="I'm sorry about that. Let me see what I can do to fix it.",
        checking="One moment while I check that for you.",
        goodbye="Thank you for calling. Have a great day!",
    ),
    "de": Voice(
        neutral=(
            "In Ordnung. Können Sie auch die Rechnungsadresse prüfen?",
            "Wie lautet die Kundennummer auf der Rechnung?",
        ),
        positive=(
            "Vielen Dank, das ist wunderbar. Sie haben mir sehr geholfen!",
            "Super, genau das habe ich gebraucht. Danke schön!",
        ),
        negative=(
            "Das ist wirklich ärgerlich. Ich warte schon seit Wochen auf eine Antwort.",
            "Das ist eine Frechheit, niemand kümmert sich um mein Problem.",
        ),
        to_positive="Das freut mich. Kann ich sonst noch etwas für Sie tun?",
        to_negative="Das tut mir leid. Ich schaue, was ich für Sie tun kann.",
        checking="Einen Moment bitte, ich sehe kurz nach.",
        goodbye="Vielen Dank für Ihren Anruf. Auf Wiederhören!",
    ),
    "es": Voice(
        neutral=(
            "Vale. ¿Tienen mesa en la terraza?",
            "¿Puedo cambiar la hora de la reserva?",
        ),
        positive=(
            "¡Muchísimas gracias, es perfecto! Me ha ayudado mucho.",
            "Genial, eso es justo lo que quería. ¡Gracias!",
        ),
        negative=(
            "Esto es un desastre, llevo media hora esperando.",
            "Estoy muy enfadado, nadie me da una respuesta clara.",
        ),
        to_positive="Me alegro mucho. ¿Puedo ayudarle en algo más?",
        to_negative="Lo siento mucho. Voy a ver cómo solucionarlo.",
        checking="Un momento, por favor, lo compruebo.",
        goodbye="Gracias por llamar. ¡Que tenga un buen día!",
    ),
    "fr": Voice(
        neutral=(
            "D'accord. Pouvez-vous vérifier mon numéro de client ?",
            "Quel est le délai de remboursement ?",
        ),
        positive=(
            "Merci beaucoup, c'est parfait ! Vous m'avez vraiment aidé.",
            "Super, c'est exactement ce qu'il me fallait. Merci !",
        ),
        negative=(
            "C'est inadmissible, j'attends depuis trois semaines.",
            "Je suis vraiment mécontent, personne ne répond à mes messages.",
        ),
        to_positive="Avec plaisir. Puis-je vous aider pour autre chose ?",
        to_negative="Je suis désolé. Je vais voir ce que je peux faire.",
        checking="Un instant, je vérifie.",
        goodbye="Merci de votre message. Bonne journée !",
    ),
    "pt": Voice(
        neutral=(
            "Certo. O pequeno-almoço está incluído?",
            "A que horas é o check-out?",
        ),
        positive=(
            "Muito obrigado, é perfeito! Ajudou-me imenso.",
            "Ótimo, era exatamente isso que eu precisava. Obrigado!",
        ),
        negative=(
            "Isto é inaceitável, o quarto não estava pronto.",
            "Estou muito chateado, ninguém me responde.",
        ),
        to_positive="Fico contente. Posso ajudar em mais alguma coisa?",
        to_negative="Lamento imenso. Vou ver o que posso fazer.",
        checking="Um momento, vou verificar.",
        goodbye="Obrigado pelo contacto. Tenha um bom dia!",
    ),
    "it": Voice(
        neutral=(
            "Va bene. La colazione è inclusa?",
            "A che ora è il check-out?",
        ),
        positive=(
            "Grazie mille, è perfetto! Mi è stato di grande aiuto.",
            "Ottimo, era proprio quello che mi serviva. Grazie!",
        ),
        negative=(
            "È inaccettabile, la camera non era pronta.",
            "Sono molto arrabbiato, nessuno mi risponde.",
        ),
        to_positive="Mi fa piacere. Posso aiutarla in altro?",
        to_negative="Mi dispiace molto. Vedo cosa posso fare.",
        checking="Un attimo, controllo subito.",
        goodbye="Grazie per la chiamata. Buona giornata!",
    ),
}

TOPICS: dict[tuple[str, str], Topic] = {
    ("en", "orders"): Topic(
        greeting="Hi, thanks for calling Acme. How can I help you today?",
        requests=(
            "Hi, I want to know where my order is. The number is four eight two one three.",
            "Hello, I'd like to return a pair of shoes I ordered last week.",
            "Hi, I was charged twice for my last order.",
        ),
        answers=(
            "Your order shipped yesterday with UPS and should arrive on Friday.",
            "I've started the return. You'll get a prepaid label by email.",
            "I can see the duplicate charge. I've asked for the second one to be refunded.",
        ),
        summary=(
            "The caller asked about an order. The agent looked it up and explained the next steps."
        ),
        title="Order inquiry",
    ),
    ("en", "appointments"): Topic(
        greeting="Hello, this is Bright Dental calling to confirm your appointment.",
        requests=(
            "Yes, hi. Is it still tomorrow at ten?",
            "Hi, can I move it to next week?",
            "Oh, I forgot about that. What time was it again?",
        ),
        answers=(
            "Yes, your cleaning is tomorrow at ten with Doctor Patel.",
            "I've moved your appointment to Tuesday at nine thirty.",
            "It's on Thursday at two in the afternoon.",
        ),
        summary="The agent called to confirm a dental appointment and updated it when asked.",
        title="Appointment confirmation",
    ),
    ("en", "concierge"): Topic(
        greeting="Good evening, Harbour Hotel concierge. How may I help?",
        requests=(
            "Hi, could you book a table for two near the hotel tonight?",
            "Hello, I need a taxi to the airport at six tomorrow.",
        ),
        answers=(
            "I've booked a table for two at eight at the seafood place next door.",
            "A taxi will wait for you at the entrance at six.",
        ),
        summary="A guest asked the concierge for a booking, which the agent arranged.",
        title="Concierge request",
    ),
    ("de", "billing"): Topic(
        greeting="Guten Tag, Stadtwerke Kundenservice. Wie kann ich Ihnen helfen?",
        requests=(
            "Guten Tag, meine letzte Rechnung ist viel zu hoch.",
            "Hallo, ich möchte meinen Abschlag ändern.",
        ),
        answers=(
            "Ich sehe, der Zählerstand wurde geschätzt. Ich korrigiere das.",
            "Ihr Abschlag beträgt ab nächstem Monat achtzig Euro.",
        ),
        summary="Der Kunde hatte eine Frage zur Rechnung; der Agent hat sie geklärt.",
        title="Rechnungsfrage",
    ),
    ("es", "restaurant"): Topic(
        greeting="Hola, Restaurante La Marina, ¿en qué puedo ayudarle?",
        requests=(
            "Hola, quería reservar una mesa para cuatro el sábado.",
            "Buenas, ¿tienen menú sin gluten?",
        ),
        answers=(
            "Perfecto, tiene una mesa para cuatro el sábado a las nueve.",
            "Sí, tenemos varios platos sin gluten en la carta.",
        ),
        summary="El cliente llamó para una reserva y el agente la confirmó.",
        title="Reserva de mesa",
    ),
    ("fr", "support"): Topic(
        greeting="Bonjour, service client Lumière. Comment puis-je vous aider ?",
        requests=(
            "Bonjour, ma commande n'est jamais arrivée.",
            "Bonjour, je voudrais annuler mon abonnement.",
        ),
        answers=(
            "Je vois que le colis est bloqué au dépôt. Je le fais renvoyer.",
            "Votre abonnement sera résilié à la fin du mois.",
        ),
        summary="Le client a contacté le support et l'agent a traité sa demande.",
        title="Demande client",
    ),
    ("pt", "concierge"): Topic(
        greeting="Boa noite, receção do Hotel Porto. Em que posso ajudar?",
        requests=(
            "Olá, pode reservar uma mesa para dois esta noite?",
            "Boa noite, preciso de um táxi para o aeroporto amanhã.",
        ),
        answers=(
            "Reservei uma mesa para dois às oito no restaurante ao lado.",
            "O táxi estará à porta às seis da manhã.",
        ),
        summary="O hóspede pediu uma reserva e o agente tratou do pedido.",
        title="Pedido de concierge",
    ),
    ("it", "concierge"): Topic(
        greeting="Buonasera, concierge dell'Hotel Laguna. Come posso aiutarla?",
        requests=(
            "Salve, può prenotare un tavolo per due stasera?",
            "Buonasera, mi serve un taxi per l'aeroporto domani.",
        ),
        answers=(
            "Ho prenotato un tavolo per due alle otto nel ristorante accanto.",
            "Il taxi la aspetterà all'ingresso alle sei.",
        ),
        summary="L'ospite ha chiesto una prenotazione e l'agente l'ha organizzata.",
        title="Richiesta al concierge",
    ),
}

# A sentinel the real API sends when analysis could not summarise a call (with its newline).
SUMMARY_SENTINEL = "Summary couldn't be generated for this call.\n"


def topic(language: str, name: str) -> Topic:
    """The topic's lines in `language`, falling back to English."""
    return TOPICS.get((language, name)) or TOPICS[("en", name)]
