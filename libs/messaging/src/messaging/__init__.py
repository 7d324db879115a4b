"""Kafka and MongoDB plumbing shared by the services (consumer loop, outbox, health). Contracts live in
``contracts``; nothing here knows the domain."""
