"""Kafka and MongoDB plumbing shared by the services (consumer loop, outbox, health). Contracts live in
``contracts``; nothing here knows the domain.

Importing it makes this process's Kafka clients ask for topics without creating them
(``messaging.no_auto_create``): only the broker watch creates topics, with the platform's settings."""

from messaging import no_auto_create

no_auto_create.refuse()
