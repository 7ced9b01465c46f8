"""Outbound calls without a timeout, in every shape the fix has to keep."""

import smtplib
import socket
from urllib.request import urlopen

import aiohttp
import httpx
import requests as r
from openai import OpenAI
from requests import post as send

llm = OpenAI()


class Billing:
    def __init__(self):
        self.session = r.Session()

    def charge(self, amount):
        return self.session.post("https://pay.example.com/charge", json={"amount": amount})


def sync(payload):
    r.put("https://api.example.com/a", json=payload)  # keep this comment
    send("https://api.example.com/b", json=payload, timeout=None)
    r.post(
        "https://api.example.com/c",
        json=payload,
        headers={"X-Source": "sync"},
    )
    r.get(
        "https://api.example.com/d",
        params={"q": 1}
    )


def check(host):
    urlopen("https://status.example.com/")
    socket.create_connection((host, 443))
    with smtplib.SMTP("mail.example.com", 587) as smtp:
        smtp.noop()


async def crawl(urls):
    async with httpx.AsyncClient(timeout=None) as client:
        for url in urls:
            await client.get(url)
    async with aiohttp.ClientSession() as session:
        async with session.get(urls[0]) as response:
            return await response.text()


def make_session():
    session = r.Session()
    session.headers["User-Agent"] = "worker/1.0"
    return session


def download(url):
    return make_session().get(url).content
