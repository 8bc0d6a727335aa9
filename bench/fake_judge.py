"""An instant OpenAI-compatible judge for benchmarks that measure the service, not a model.

``POST /v1/chat/completions`` answers "wrong" at once, ``GET /v1/models`` lists one model, and
``GET /pairs`` says how many pairs it was asked to judge (so a benchmark can count judge work).

    python bench/fake_judge.py --port P
"""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI

app = FastAPI()
app.state.pairs = 0


@app.post("/v1/chat/completions")
async def chat_completions() -> dict:
    app.state.pairs += 1
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": "wrong"}, "logprobs": None}]}


@app.get("/v1/models")
async def models() -> dict:
    return {"object": "list", "data": [{"id": "instant", "object": "model"}]}


@app.get("/pairs")
async def pairs() -> dict:
    return {"pairs": app.state.pairs}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    uvicorn.run(app, host="127.0.0.1", port=parser.parse_args().port, log_level="warning")
