"""/readyz is answered from a cached check: a probe every few seconds must not become a judge
generation every few seconds (SGLang's /health_generate runs one and takes over a second)."""

import asyncio

from verifier_service.services import CachedReadiness


async def test_concurrent_probes_share_one_check_and_reuse_it_until_it_expires():
    calls = []

    async def check() -> dict[str, str]:
        calls.append(1)
        await asyncio.sleep(0.05)
        return {"judge:j": "ok" if len(calls) == 1 else "down"}

    readiness = CachedReadiness(check, ttl_s=0.3)
    first = await asyncio.gather(*(readiness.get() for _ in range(10)))
    assert first == [{"judge:j": "ok"}] * 10 and len(calls) == 1
    assert await readiness.get() == {"judge:j": "ok"} and len(calls) == 1  # still fresh
    await asyncio.sleep(0.35)
    assert await readiness.get() == {"judge:j": "down"} and len(calls) == 2  # expired: asked again


async def test_a_zero_ttl_checks_every_time():
    calls = []

    async def check() -> dict[str, str]:
        calls.append(1)
        return {"cache": "ok"}

    readiness = CachedReadiness(check, ttl_s=0)
    for _ in range(3):
        await readiness.get()
    assert len(calls) == 3
