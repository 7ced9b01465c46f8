import ssl

import aiohttp
import httpx
import requests as r
import urllib3

_CTX = ssl.create_default_context()
client = httpx.AsyncClient(base_url="https://api.example.com")


def invoices():
    return r.get("https://billing.example.com/v1/invoices", timeout=10)


def session():
    s = r.Session()
    return s


def context():
    ctx = ssl.create_default_context()
    return ctx


def pool():
    return urllib3.PoolManager()


def maybe(verify):
    return ssl.CERT_REQUIRED if verify else ssl.CERT_NONE


async def fetch(url):
    connector = aiohttp.TCPConnector()
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=10)) as s:
        async with s.get(
            url,
        ) as resp:
            return await resp.read()
