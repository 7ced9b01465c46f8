import asyncio
import time

import anyio
import anyio.to_thread
import requests


async def poll(url: str) -> bytes:
    while True:
        body = (await anyio.to_thread.run_sync(lambda: requests.get(url, timeout=5))).content
        if body:
            return body
        await anyio.sleep(1)


async def early(url: str) -> bytes:
    await anyio.sleep(0)
    return await asyncio.to_thread(requests.get(url, timeout=5).content)
