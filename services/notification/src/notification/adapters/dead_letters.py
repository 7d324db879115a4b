"""A mail given up goes to ``travaux.pieces.status.dlt`` with the reason, where the replay finds it
(header ``dlt-delivery``: its key)."""

import json
from typing import Any

from aiokafka import AIOKafkaProducer

from contracts import topics

DLT_DELIVERY = "dlt-delivery"  # header of a dead delivery's record: its key


class KafkaDeadLetters:
    def __init__(self, producer: AIOKafkaProducer):
        self.producer = producer

    async def dead_mail(self, key: str, summary: dict[str, Any], code: str, reason: str) -> None:
        await self.producer.send_and_wait(
            topics.dead_letter(topics.PIECES_STATUS),
            json.dumps({"delivery": key, **summary}, ensure_ascii=False).encode(),
            key=(summary.get("dossier_id") or key).encode(),
            headers=[
                (topics.DLT_CODE, code.encode()),
                (topics.DLT_REASON, reason[:2000].encode()),
                (topics.DLT_CONSUMER, b"notification"),
                (topics.DLT_SOURCE_TOPIC, topics.PIECES_STATUS.encode()),
                (DLT_DELIVERY, key.encode()),
            ],
        )
