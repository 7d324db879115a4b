"""Writes the JSON Schema of every event (envelope included) to a folder: ``python -m contracts.schemas DIR``."""

import json
import sys
from pathlib import Path

from contracts.catalog import CATALOG
from contracts.envelope import Envelope


def event_schemas() -> dict[str, dict]:
    """``{event type: JSON Schema of its whole CloudEvent}``."""
    schemas = {}
    for spec in CATALOG:
        schema = Envelope[spec.payload].model_json_schema(mode="serialization")
        schema["title"] = spec.type
        schema["x-topic"] = spec.topic
        schemas[spec.type] = schema
    return schemas


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type, schema in event_schemas().items():
        path = folder / f"{event_type}.schema.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path("schemas")
    for path in write_schemas(folder):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
