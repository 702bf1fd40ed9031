"""The bound for submission: a bare FastAPI route served as `swath serve` serves (uvicorn, uvloop, httptools).

It parses the same JSON body into a pydantic model and answers 201 with a small JSON document, touching no
database: what the web stack alone costs on this machine. Run as `python -m bench.bare_app PORT`.
"""

from __future__ import annotations

import sys
import uuid
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

app = FastAPI()


class Execute(BaseModel):
    inputs: dict[str, Any] = {}


@app.get("/")
async def landing() -> dict[str, str]:
    return {"title": "bare"}


@app.post("/processes/{process_id}/execution")
async def execute(process_id: str, body: Execute) -> JSONResponse:
    job_id = str(uuid.uuid4())
    return JSONResponse({"jobID": job_id, "processID": process_id, "status": "accepted"}, status_code=201)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
