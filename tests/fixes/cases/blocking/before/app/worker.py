import asyncio
import time

import anyio
import requests


async def poll(url: str) -> bytes:
    while True:
        body = requests.get(url, timeout=5).content
        if body:
            return body
        time.sleep(1)


async def early(url: str) -> bytes:
    await anyio.sleep(0)
    return await asyncio.to_thread(requests.get(url, timeout=5).content)
