"""Oversize bodies and overload answer 413 / 503 instead of failing or growing memory."""

import asyncio

from support.fakes import ScriptedJudge

from trainer_client.trl_reward import SpecificityReward
from verifier_service.config import Settings


def test_oversize_body_is_413(live_server, tmp_path):
    settings = Settings(data_dir=tmp_path, max_body_bytes=2000, max_taxonomy_bytes=1000)
    with live_server(settings) as server, server.client() as http:
        declared = http.post("/grade", json={"items": [{"ground_truth": "dog", "prediction": "x" * 3000}]})

        def chunks():
            yield b'{"items": ['
            for _ in range(200):
                yield b'{"ground_truth": "dog", "prediction": "dog"},'
            yield b'{"ground_truth": "dog", "prediction": "dog"}]}'

        streamed = http.post("/grade", content=chunks(), headers={"content-type": "application/json"})
        fine = http.post("/grade", json={"items": [{"ground_truth": "dog", "prediction": "dog"}]})
    assert declared.status_code == 413 and "split the batch" in declared.text
    assert streamed.status_code == 413
    assert fine.status_code == 200


async def test_overload_answers_503_with_retry_after(asgi_server, tmp_path):
    judge = ScriptedJudge(delay=1.5)
    async with asgi_server(Settings(data_dir=tmp_path, max_items_in_flight=4), {"j": judge}) as server:
        async with server.client(timeout=30) as http:
            busy = [{"ground_truth": "dog", "prediction": f"breed {i}"} for i in range(3)]
            first = asyncio.create_task(http.post("/grade", json={"items": busy}))
            await asyncio.sleep(0.5)
            refused = await http.post("/grade", json={"items": busy})
            done = await first
            after = await http.post("/grade", json={"items": busy})  # cached by now, and admitted again
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert "overloaded" in refused.json()["detail"]
    assert done.status_code == 200 and after.status_code == 200


async def test_adapter_cuts_rambling_answers(live_server, tmp_path):
    with live_server(Settings(data_dir=tmp_path, max_label_chars=512), {"j": ScriptedJudge()}) as server:
        reward = SpecificityReward(server.url, num_generations=2)
        rambling = "<answer>" + "a very long description of a bird " * 40 + "</answer>"
        rewards = await reward(
            prompts=["p", "p"],
            completions=[rambling, "<answer>dog</answer>"],
            ground_truth=["dog", "dog"],
            sample_id=[1, 1],
        )
        await reward.client.aclose()
    assert reward.last_categories == ["wrong", "specific"] and rewards == [0.0, 1.0]
