import requests
from aiohttp import ClientSession, ClientTimeout
from anthropic import Anthropic

claude = Anthropic(max_retries=3, timeout=5)


def profile(user_id):
    return requests.get(f"https://accounts.example.com/users/{user_id}", timeout=(3.05, 30)).json()


async def pages(urls):
    async with ClientSession(timeout=ClientTimeout(total=5)) as session:
        return [await (await session.get(u)).text() for u in urls]
