"""Outbound calls without a timeout, in every shape the fix has to keep."""

import smtplib
import socket
from urllib.request import urlopen

import aiohttp
import httpx
import requests as r
from openai import OpenAI
from requests import post as send

llm = OpenAI(timeout=10)


class Billing:
    def __init__(self):
        self.session = r.Session()

    def charge(self, amount):
        return self.session.post("https://pay.example.com/charge", json={"amount": amount}, timeout=10)


def sync(payload):
    r.put("https://api.example.com/a", json=payload, timeout=10)  # keep this comment
    send("https://api.example.com/b", json=payload, timeout=10)
    r.post(
        "https://api.example.com/c",
        json=payload,
        headers={"X-Source": "sync"},
        timeout=10,
    )
    r.get(
        "https://api.example.com/d",
        params={"q": 1},
        timeout=10
    )


def check(host):
    urlopen("https://status.example.com/", timeout=10)
    socket.create_connection((host, 443), timeout=10)
    with smtplib.SMTP("mail.example.com", 587, timeout=10) as smtp:
        smtp.noop()


async def crawl(urls):
    async with httpx.AsyncClient(timeout=10) as client:
        for url in urls:
            await client.get(url)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.get(urls[0]) as response:
            return await response.text()


def make_session():
    session = r.Session()
    session.headers["User-Agent"] = "worker/1.0"
    return session


def download(url):
    return make_session().get(url, timeout=10).content
