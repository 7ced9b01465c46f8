import ssl

import aiohttp
import httpx
import requests as r
import urllib3

_CTX = ssl._create_unverified_context()
client = httpx.AsyncClient(base_url="https://api.example.com", verify=False)


def invoices():
    return r.get("https://billing.example.com/v1/invoices", verify=False, timeout=10)


def session():
    s = r.Session()
    s.verify = False
    return s


def context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def pool():
    return urllib3.PoolManager(cert_reqs=ssl.CERT_NONE)


def maybe(verify):
    return ssl.CERT_REQUIRED if verify else ssl.CERT_NONE


async def fetch(url):
    connector = aiohttp.TCPConnector(ssl=False)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=10)) as s:
        async with s.get(
            url,
            ssl=False,
        ) as resp:
            return await resp.read()
