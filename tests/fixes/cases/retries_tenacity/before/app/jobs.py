"""Jobs API client."""

import logging

import httpx
import requests
from tenacity import stop_after_attempt

log = logging.getLogger(__name__)


def status(job_id):
    return requests.get(f"https://jobs.example.com/{job_id}", timeout=5).json()


async def lookup(sku):
    async with httpx.AsyncClient(timeout=10) as client:
        return (await client.get(f"https://shop.example.com/items/{sku}")).json()


def sync(job_id):
    job = requests.get(f"https://jobs.example.com/{job_id}", timeout=5).json()
    requests.post("https://ledger.example.com/jobs", json=job, timeout=5)


ATTEMPTS = stop_after_attempt(5)


def submit(job):
    return requests.post("https://jobs.example.com/", json=job, timeout=5).json()
