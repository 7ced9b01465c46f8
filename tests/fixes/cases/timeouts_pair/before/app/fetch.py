import requests
from aiohttp import ClientSession
from anthropic import Anthropic

claude = Anthropic(max_retries=3)


def profile(user_id):
    return requests.get(f"https://accounts.example.com/users/{user_id}").json()


async def pages(urls):
    async with ClientSession() as session:
        return [await (await session.get(u)).text() for u in urls]
