"""Run a FastAPI app with uvicorn as a service process (signals handled, one event loop)."""

import uvicorn
from fastapi import FastAPI


def serve(app: FastAPI, port: int, host: str = "127.0.0.1", log_level: str = "info") -> None:
    uvicorn.run(app, host=host, port=port, log_level=log_level.lower(), access_log=False, lifespan="on")
