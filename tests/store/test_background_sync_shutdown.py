"""A task cancelled while it talks to Redis ends (the CI hang of 2026-12-05: redis-py 8.2 swallows a
cancellation that lands inside a command and returns normally, so a replica's background sync
loop, cancelled at shutdown, went on for ever and ``Services.aclose`` waited for it)."""

import asyncio
import random

from verifier_service.config import Settings
from verifier_service.services import build_services
from verifier_service.store.shared_state import RedisState


async def test_a_cancellation_inside_a_redis_command_is_not_lost(redis_server):
    rng = random.Random(2)
    for _ in range(60):
        state = RedisState(redis_server.url)

        async def reads(state=state):
            while True:
                await state.log_head("corrections")

        task = asyncio.create_task(reads())
        await asyncio.sleep(rng.random() * 0.005)  # lands inside a command, sooner or later
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5)
        assert done and task.cancelled(), "a cancelled task kept talking to Redis"
        await state.aclose()


async def test_shutdown_ends_the_background_sync_whatever_it_is_doing(redis_server, tmp_path):
    for n in range(20):
        settings = Settings(data_dir=tmp_path / str(n), cache="redis", redis_url=redis_server.url,
                            state_sync_s=0.001, audit=False)  # fmt: skip
        services = await build_services(settings)
        await asyncio.sleep(0.003 * (n % 7))
        await asyncio.wait_for(services.aclose(), 10)
        assert all(task.done() for task in services.background)
